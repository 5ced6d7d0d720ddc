"""What files already say about themselves: technical facts, tags, bext, iXML, UCS names."""
