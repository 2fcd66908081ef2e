import { Box, Tooltip } from '@mui/material';
import { Fragment } from 'react';
import { useTranslate } from 'react-admin';
import type { Citation, UnsupportedSentence } from './answer-types';
import { segmentAnswer } from './answer-segments';

/**
 * The answer with each [n] as a button opening its passage, and unsupported sentences underlined
 * in orange with an explanation (colour is not the only cue: a dotted underline and a tooltip too).
 */
export function AnswerText({
  text,
  citations,
  unsupported,
  onCite,
}: {
  text: string;
  citations: Citation[];
  unsupported?: (UnsupportedSentence | string)[];
  onCite: (c: Citation) => void;
}) {
  const translate = useTranslate();
  const byN = new Map(citations.map((c) => [c.n, c]));
  const segments = segmentAnswer(text, unsupported);
  return (
    <Box sx={{ whiteSpace: 'pre-wrap', lineHeight: 1.7 }} data-testid="answer-text">
      {segments.map((s, i) => {
        if (s.kind === 'text') {
          return s.unsupported ? (
            <Tooltip key={i} title={translate('cite.ask.unsupported')}>
              <Box
                component="mark"
                data-testid="unsupported"
                aria-label={translate('cite.ask.unsupported')}
                sx={{ bgcolor: '#fff4e5', textDecoration: 'underline dotted #b34000', textUnderlineOffset: 3 }}
              >
                {s.text}
              </Box>
            </Tooltip>
          ) : (
            <Fragment key={i}>{s.text}</Fragment>
          );
        }
        return (
          <Fragment key={i}>
            {s.numbers.map((n) => {
              const c = byN.get(n);
              if (!c) return null; // a marker pointing at no source was already removed by the engine
              return (
                <Box
                  key={`${i}-${n}`}
                  component="button"
                  type="button"
                  onClick={() => onCite(c)}
                  data-testid={`cite-${n}`}
                  aria-label={`${translate('cite.ask.citation', { n })} : ${c.title}`}
                  sx={{
                    border: 0,
                    p: '0 3px',
                    mx: '1px',
                    font: 'inherit',
                    fontSize: '0.8em',
                    verticalAlign: 'super',
                    lineHeight: 1,
                    color: 'primary.main',
                    bgcolor: 'rgba(0,0,145,0.08)',
                    borderRadius: 1,
                    cursor: 'pointer',
                    '&:focus-visible': { outline: '2px solid', outlineColor: 'primary.main' },
                  }}
                >
                  [{n}]
                </Box>
              );
            })}
          </Fragment>
        );
      })}
    </Box>
  );
}
