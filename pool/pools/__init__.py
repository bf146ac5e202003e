"""The cultivation pool pages: overview, member lists, review queue, nominations, membership pages, and the
admin's targets and capacities. Every write goes through `workflows.membership` / `workflows.pools`."""
