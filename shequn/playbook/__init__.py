"""The playbook: rules that answer events with actions, and the engine that runs them."""
