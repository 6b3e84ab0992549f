"""`assigner bench`: what the product costs, measured on this machine against what it is compared with."""
