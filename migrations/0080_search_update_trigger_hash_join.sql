-- The statement-level update trigger of 0030 joins its OLD and NEW transition tables on the chunk id.
-- Transition tables carry no statistics, so the planner guesses a few rows and picks a nested loop:
-- quadratic in the rows updated. `cite reembed` empties every embedding in one UPDATE, which on the
-- bench corpus (68k chunks) had not finished after 17 minutes; 2,000 rows took 8 s in the trigger.
-- Without nested loops the joins hash: 10 ms for the same 2,000 rows.
ALTER FUNCTION search_postings_after_update() SET enable_nestloop = off;
