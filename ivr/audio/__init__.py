"""Pre-built audio prompts: synthesis, telephone-quality processing, the manifest, and serving them."""
