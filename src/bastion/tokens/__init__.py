"""API tokens: macaroons with caveats, each with its own root key kept server side."""
