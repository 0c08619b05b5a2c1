-- Full-text index for _text and _content (see src/store/README.md): one row per resource, its
-- rowid the resource's rid, with the narrative's words and every string of the resource.
-- unicode61 with remove_diacritics folds case and accents as the string index does.
CREATE VIRTUAL TABLE idx_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2');
