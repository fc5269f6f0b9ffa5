-- Late claims. The rule: allocation is final and first read, first served; within one read
-- (a poll's batch, a webhook delivery) comments go in the platform's time order; a comment read
-- after a later-written comment of the show had been recorded (Meta listed it late, or retried
-- its delivery) is allocated against the items as they stand when it is read: it never takes a
-- unit from a claim already made, and may join the waitlist. Its claim is marked read_late so
-- the console shows it distinctly.
alter table public.claims add column read_late boolean not null default false;
create index comments_show_id_commented_at_idx on public.comments (show_id, commented_at);

-- Marks a claim read late: its comment was recorded after a later-written one.
create function private.mark_late_claim() returns trigger
language plpgsql
set search_path = ''
as $$
begin
	new.read_late := exists (
		select
		from public.comments own
		join public.comments later on later.show_id = own.show_id and later.commented_at > own.commented_at
		where own.id = new.source_comment_id and later.id <> own.id
	);
	return new;
end;
$$;
create trigger mark_late_claim before insert on public.claims
	for each row when (new.source_comment_id is not null)
	execute function private.mark_late_claim();

revoke execute on function private.mark_late_claim() from public, anon, authenticated, service_role;
