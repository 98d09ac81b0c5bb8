"""What the command-line subcommands do; each entry point returns an exit code."""
