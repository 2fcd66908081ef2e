-- Engine processes keep the keys they authenticated in memory (packages/app/src/keys/key-cache.ts) and
-- forget them when told that a key changed: a revocation, a new role or collections, a deletion reach
-- every process at commit, whichever process or tool made them. Only last_used_at moving (once a minute
-- per key in use) says nothing.
CREATE FUNCTION api_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cite_api_keys', CASE WHEN TG_LEVEL = 'ROW' THEN OLD.id::text ELSE '*' END);
  RETURN NULL;
END $$;

CREATE TRIGGER api_keys_updated AFTER UPDATE ON api_keys FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
  EXECUTE FUNCTION api_keys_changed();
CREATE TRIGGER api_keys_deleted AFTER DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION api_keys_changed();
CREATE TRIGGER api_keys_truncated AFTER TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION api_keys_changed();
