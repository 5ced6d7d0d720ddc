"""How search reads words: lemmas that keep unrelated words apart, compound names split and
joined, stop-words, a sound-effects thesaurus, and the query plan built from them."""
