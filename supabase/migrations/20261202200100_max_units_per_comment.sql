-- How many units one comment may claim ("sold 12 x3"): a workspace setting an admin changes like
-- the claim words, 1 to 30, 1 by default so a workspace that never sets it claims as before. A
-- comment asking for more gets this many, and its result says the request was capped.
alter table public.workspaces
	add column max_units_per_comment int not null default 1 check (max_units_per_comment between 1 and 30);
grant update (max_units_per_comment) on public.workspaces to authenticated;
