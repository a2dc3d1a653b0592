"""A tiny outside pack for the tests (and the example in docs/packs.md): a subscription-box
company with one raw table, one reference list, two metrics and a two-person team. It registers
as a package holding `pack.toml`, the way a pack installed from its own distribution would."""
