"""Fan-out of live conversation events: in-process, or across workers via Redis."""
