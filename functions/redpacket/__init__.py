"""Red-packet assists (助力红包): merchant campaigns with a prize pool, packets friends help open."""
