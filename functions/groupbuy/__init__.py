"""Group buying (拼团): activities, groups and seats over HTTP, and the tasks of the group timer state machine."""
