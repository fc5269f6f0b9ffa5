-- A word cannot be both a claim word and a pass word: the parser lets the claim win, so with
-- "pass" in both lists every "pass 14" claimed #14. Words are compared as the parser reads them
-- (case, accents, punctuation and spacing folded), by asking the parser itself. Checked on every
-- change of a workspace's or a show's words, against the lists the show will actually use; rows
-- stored before this stay as they are until their words change.

-- Raises 22023 naming the first pass word that the claim words would read as a claim.
create function private.check_words_apart(claim_words text[], pass_words text[]) returns void
language plpgsql stable
set search_path = ''
as $$
declare
	both_lists text;
begin
	select word into both_lists
	from unnest(pass_words) as word
	where exists (
		select 1 from public.parse_comment(word || ' 1', claim_words, '{}') as parsed where parsed.intent = 'claim'
	)
	limit 1;
	if both_lists is not null then
		raise sqlstate '22023' using message = format(
			'"%s" is both a claim word and a pass word: every "%s 14" would claim #14. Use each word in one list only.',
			both_lists, both_lists);
	end if;
end;
$$;

-- Security definer: the check reads every show of the workspace, whatever the caller may see.
create function private.check_workspace_words_apart() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	show_row record;
begin
	perform private.check_words_apart(new.claim_words, new.pass_words);
	-- Shows that override one list use the workspace's other one.
	for show_row in
		select s.claim_words, s.pass_words from public.shows s
		where s.workspace_id = new.id and s.status <> 'ended'
			and (s.claim_words is null) <> (s.pass_words is null)
	loop
		perform private.check_words_apart(coalesce(show_row.claim_words, new.claim_words),
			coalesce(show_row.pass_words, new.pass_words));
	end loop;
	return new;
end;
$$;
create trigger check_words_apart before insert or update of claim_words, pass_words on public.workspaces
	for each row execute function private.check_workspace_words_apart();

create function private.check_show_words_apart() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	if new.claim_words is null and new.pass_words is null then
		return new;
	end if;
	perform private.check_words_apart(
		coalesce(new.claim_words, (select w.claim_words from public.workspaces w where w.id = new.workspace_id)),
		coalesce(new.pass_words, (select w.pass_words from public.workspaces w where w.id = new.workspace_id)));
	return new;
end;
$$;
create trigger check_words_apart before insert or update of claim_words, pass_words on public.shows
	for each row execute function private.check_show_words_apart();

revoke execute on function
	private.check_words_apart(text[], text[]),
	private.check_workspace_words_apart(),
	private.check_show_words_apart()
from public, anon, authenticated, service_role;
