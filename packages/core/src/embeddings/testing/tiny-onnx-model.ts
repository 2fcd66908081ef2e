/**
 * Builds a tiny local model that transformers.js loads offline, for tests: a one-node ONNX graph
 * (`Gather` of a fixed embedding table by input_ids → last_hidden_state), a WordPiece tokenizer.json
 * and a config.json, written under `<dir>/<name>/` exactly as a model in MODELS_DIR is laid out.
 * Every token gets a distinct deterministic vector, so different texts embed differently.
 */
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

export function tinyVocabulary(): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const words = ['conge', 'conges', 'payes', 'travail', 'salarie', 'query', 'passage', 'droit', 'de', 'le', 'la', 'les'];
  const punct = [':', '.', ',', ';', '!', '?', "'", '-', '(', ')'];
  return [...SPECIAL, ...words, ...letters, ...letters.map((l) => `##${l}`), ...punct];
}

/** Writes the model; returns the directory to use as MODELS_DIR. */
export function writeTinyModel(modelsDir: string, name: string, dimension = 16): string {
  const dir = path.join(modelsDir, name);
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const vocab = tinyVocabulary();

  // deterministic pseudo-random table (xorshift), one row per token
  let seed = 0x1234567;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 0xffffffff) * 2 - 1;
  };
  const table: number[] = [];
  for (let t = 0; t < vocab.length; t++) for (let d = 0; d < dimension; d++) table.push(t === 0 ? 0 : next());

  const tensorType = (elemType: number, dims: ({ dimParam: string } | { dimValue: number })[]) => ({
    tensorType: { elemType, shape: { dim: dims } },
  });
  const INT64 = onnx.TensorProto.DataType.INT64;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'cite-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny-embedder',
      node: [{ opType: 'Gather', input: ['table', 'input_ids'], output: ['last_hidden_state'], attribute: [{ name: 'axis', i: 0, type: onnx.AttributeProto.AttributeType.INT }] }],
      initializer: [{ name: 'table', dims: [vocab.length, dimension], dataType: FLOAT, floatData: table }],
      input: [{ name: 'input_ids', type: tensorType(INT64, [{ dimParam: 'batch' }, { dimParam: 'sequence' }]) }],
      output: [
        {
          name: 'last_hidden_state',
          type: tensorType(FLOAT, [{ dimParam: 'batch' }, { dimParam: 'sequence' }, { dimValue: dimension }]),
        },
      ],
    },
  });
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), onnx.ModelProto.encode(model).finish());

  const id = (t: string) => vocab.indexOf(t);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 64,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: dimension, vocab_size: vocab.length }),
  );
  return modelsDir;
}
