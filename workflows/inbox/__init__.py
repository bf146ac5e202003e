"""Each officer's 工作提醒 (inbox): the flags the checks raised, read in the actor's scope (`queries`), and the
actions that work them (`actions`): the domain action and marking the flag acted, in one unit of work."""
