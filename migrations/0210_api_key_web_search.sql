-- Internet search is allowed per API key (issue 22): off unless an admin sets it.
ALTER TABLE api_keys ADD COLUMN web_search boolean NOT NULL DEFAULT false;
