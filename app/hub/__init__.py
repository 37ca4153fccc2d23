"""The team hub: one PostgreSQL database holding the team's records, which laptops sync with over HTTP.

- `database`: opening the hub's database from a URL (the laptop's models and migrations, on PostgreSQL);
- `models` / `schema`: the hub's own tables (enrolled keys, received packages, pulls, request nonces);
- `service`: `HubService`, what the commands and the web service call (enrol, revoke, push, pull, ack);
- `web`: the Starlette app that `tandem hub serve` runs under uvicorn.

The hub merges with the laptop's own importer (`app.services.sync.importer.apply_package`) and writes its
packages with the laptop's own exporter: a hub is a laptop that never edits and always answers.
"""
