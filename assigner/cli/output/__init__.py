"""How the command line writes results: tables for people, CSV and JSON for programs, charts."""
