-- Queries drop every French stop word, accented ones included.
--
-- cite_french (0001) maps words through unaccent, then french_stem, whose stop list (PostgreSQL's
-- french.stop) is checked on the word it receives: already unaccented. The 22 accented entries of that list
-- ("à", "même", "été", "était", "êtes"…) no longer match it and are indexed as lexemes ('a', 'mem', 'ete',
-- 'etait'…). "à" alone is in most passages (84% of the labour-law corpus's chunks): a synonym such as
-- "contrat à durée indéterminée" required it in every passage it counted for, and read all its postings at
-- each search that the synonym applied to (170 ms a search on 100,000 chunks of a small vocabulary).
--
-- cite_french_query checks the stop list first, on the word as written, then folds accents and stems as
-- cite_french does: a word that is not a stop word gets the very lexeme the index holds. Every analysis of
-- a query (the lexical branch, synonym lists and the queries they expand, the answers' evidence) uses it.
-- The index keeps its tsvectors: the stop words' postings stay, and no query reads them. Rewriting every
-- chunk would also re-insert each one in the HNSW index.
CREATE TEXT SEARCH DICTIONARY cite_french_stop (TEMPLATE = simple, STOPWORDS = french, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION cite_french_query (COPY = cite_french);
ALTER TEXT SEARCH CONFIGURATION cite_french_query
  ALTER MAPPING FOR hword, hword_part, word, asciiword, asciihword, hword_asciipart
  WITH cite_french_stop, unaccent, french_stem;
