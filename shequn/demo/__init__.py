"""A deterministic demo community: realistic, Chinese, with groups whose fates are known."""
