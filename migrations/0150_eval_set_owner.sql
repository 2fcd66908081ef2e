-- Evaluation follows collection rights (issue 21): a set has an owner, a run records the collections of
-- the key that started it and searches and answers within them only.
--
-- owner_id: the key that created the set. Only the owner (or an admin) changes or deletes it, and a key
-- limited to some collections sees only the sets it owns. Sets created before this migration get no
-- owner: any evaluator could add questions to them, including ones copied from answers of any collection,
-- so they are left to unrestricted keys (changed or deleted by admins only). created_by stays the record
-- of who created the set; a deleted key's sets fall back to no owner.
ALTER TABLE eval_sets ADD COLUMN owner_id bigint REFERENCES api_keys(id) ON DELETE SET NULL;
CREATE INDEX eval_sets_owner_idx ON eval_sets (owner_id);

-- collections: what the starting key may read; NULL = every collection (an unrestricted key, the CLI).
-- Finished runs made before this migration searched every collection, which NULL says truthfully; runs
-- still queued or running go on within the collections of the key that started them.
ALTER TABLE eval_runs ADD COLUMN collections bigint[];
UPDATE eval_runs r SET collections = k.collections
  FROM api_keys k
 WHERE k.id = r.created_by AND k.collections IS NOT NULL AND r.status IN ('queued', 'running');
