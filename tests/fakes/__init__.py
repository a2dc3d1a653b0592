"""Local fake vendor servers: real HTTP on 127.0.0.1, the vendor's documented behaviour."""
