"""Tools for people trying and testing the product (demo, chaos run); no production path imports them."""
