"""Sound prints by content, and the inverted index that finds copies among them."""
