"""Infrastructure as data: the table definition, state machines and the template build."""
