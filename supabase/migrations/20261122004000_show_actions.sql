-- Operator actions on shows. Admins prepare shows (create, update, delete a draft); anyone who
-- runs the live, assistants included, moves it through its lifecycle:
--   draft --activate(live_id)--> active <--pause/resume--> paused;  active|paused --stop--> ended.
-- Each action checks the caller's role, locks the show, and writes audit_log (before/after).

-- The show, locked for update, once the caller is known to hold min_role in its workspace.
create function private.lock_show(show_id uuid, min_role text) returns public.shows
language plpgsql
set search_path = ''
as $$
declare
	locked public.shows;
begin
	perform private.require_workspace_role((select s.workspace_id from public.shows s where s.id = lock_show.show_id), min_role, 'show');
	select * into locked from public.shows s where s.id = lock_show.show_id for update;
	return locked;
end;
$$;

-- The words a show listens for: null inherits the workspace's; given, 1 to 10 non-empty words.
create function private.words_from_json(words jsonb, field text) returns text[]
language plpgsql immutable
set search_path = ''
as $$
declare
	result text[];
begin
	if words is null or words = 'null' then
		return null;
	end if;
	if jsonb_typeof(words) <> 'array' then
		raise sqlstate '22023' using message = format('%s must be an array of words or null', field);
	end if;
	select array_agg(lower(trim(word)) order by place) into result
	from jsonb_array_elements_text(words) with ordinality as given (word, place);
	if coalesce(cardinality(result), 0) not between 1 and 10 or '' = any (result) then
		raise sqlstate '22023' using message = format('%s must hold 1 to 10 non-empty words', field);
	end if;
	return result;
end;
$$;

create function private.assert_connection_fits(workspace_id uuid, platform text, connection_id uuid) returns void
language plpgsql stable
set search_path = ''
as $$
begin
	if connection_id is not null and not exists (
		select 1 from public.social_connections c
		where c.id = connection_id and c.workspace_id = assert_connection_fits.workspace_id and c.platform = assert_connection_fits.platform
	) then
		raise sqlstate '22023' using message = format('the workspace has no %s connection %s', platform, connection_id);
	end if;
end;
$$;

create function public.create_show(
	workspace_id uuid,
	platform text,
	name text default '',
	connection_id uuid default null,
	claim_words text[] default null,
	pass_words text[] default null
) returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	created public.shows;
begin
	perform private.require_workspace_role(workspace_id, 'admin', 'workspace');
	perform private.assert_connection_fits(workspace_id, platform, connection_id);
	insert into public.shows (workspace_id, platform, name, connection_id, claim_words, pass_words, created_by)
	values (
		create_show.workspace_id, create_show.platform, coalesce(create_show.name, ''), create_show.connection_id,
		private.words_from_json(to_jsonb(create_show.claim_words), 'claim_words'),
		private.words_from_json(to_jsonb(create_show.pass_words), 'pass_words'),
		(select auth.uid())
	)
	returning * into created;
	perform private.record_audit(created.workspace_id, created.id, 'show.create', 'show', created.id, null, to_jsonb(created));
	return created;
end;
$$;

-- changes: any of name, connection_id, live_url, claim_words, pass_words, and platform while a
-- draft. Status and live_id change only through the lifecycle actions.
create function public.update_show(show_id uuid, changes jsonb) returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.shows;
	after public.shows;
	unknown text[];
begin
	before := private.lock_show(show_id, 'admin');
	if jsonb_typeof(changes) is distinct from 'object' then
		raise sqlstate '22023' using message = 'changes must be a JSON object';
	end if;
	select array_agg(given) into unknown
	from jsonb_object_keys(changes) as given
	where given not in ('name', 'platform', 'connection_id', 'live_id', 'live_url', 'claim_words', 'pass_words');
	if unknown is not null then
		raise sqlstate '22023' using message = format('update_show cannot change %s', array_to_string(unknown, ', '));
	end if;
	if changes ? 'platform' and changes ->> 'platform' is distinct from before.platform and before.status <> 'draft' then
		raise sqlstate 'PT409' using message = 'the platform of a show can change only while it is a draft';
	end if;
	-- A draft may note the live it will take; activation binds it, and it stays bound until the end.
	if changes ? 'live_id' and nullif(trim(changes ->> 'live_id'), '') is distinct from before.live_id and before.status <> 'draft' then
		raise sqlstate 'PT409' using message = 'the live of a show can change only while it is a draft';
	end if;

	update public.shows s set
		name = case when changes ? 'name' then coalesce(changes ->> 'name', '') else s.name end,
		platform = case when changes ? 'platform' then changes ->> 'platform' else s.platform end,
		connection_id = case when changes ? 'connection_id' then (changes ->> 'connection_id')::uuid else s.connection_id end,
		live_id = case when changes ? 'live_id' then nullif(trim(changes ->> 'live_id'), '') else s.live_id end,
		live_url = case when changes ? 'live_url' then changes ->> 'live_url' else s.live_url end,
		claim_words = case when changes ? 'claim_words' then private.words_from_json(changes -> 'claim_words', 'claim_words') else s.claim_words end,
		pass_words = case when changes ? 'pass_words' then private.words_from_json(changes -> 'pass_words', 'pass_words') else s.pass_words end
	where s.id = before.id
	returning * into after;
	perform private.assert_connection_fits(after.workspace_id, after.platform, after.connection_id);
	perform private.record_audit(after.workspace_id, after.id, 'show.update', 'show', after.id, to_jsonb(before), to_jsonb(after));
	return after;
end;
$$;

create function public.delete_show(show_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.shows;
begin
	before := private.lock_show(show_id, 'admin');
	if before.status <> 'draft' then
		raise sqlstate 'PT409' using message = format('only a draft show can be deleted; this one is %s', before.status);
	end if;
	-- The audit entry outlives the show: it names it by entity_id.
	perform private.record_audit(before.workspace_id, null, 'show.delete', 'show', before.id, to_jsonb(before), null);
	delete from public.shows where id = before.id;
end;
$$;

-- Moves a show from one of `allowed_from` to `to_status`, recording the action.
create function private.change_show_status(
	show_id uuid,
	allowed_from text[],
	to_status text,
	action text,
	live_id text default null,
	live_url text default null
) returns public.shows
language plpgsql
set search_path = ''
as $$
declare
	before public.shows;
	after public.shows;
begin
	before := private.lock_show(show_id, 'assistant');
	if not before.status = any (allowed_from) then
		raise sqlstate 'PT409' using message = format('cannot %s a show that is %s', action, before.status);
	end if;
	update public.shows s set
		status = to_status,
		live_id = coalesce(change_show_status.live_id, s.live_id),
		live_url = coalesce(change_show_status.live_url, s.live_url),
		started_at = case when to_status = 'active' then coalesce(s.started_at, now()) else s.started_at end,
		ended_at = case when to_status = 'ended' then now() else s.ended_at end
	where s.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.id, 'show.' || action, 'show', after.id, to_jsonb(before), to_jsonb(after));
	return after;
end;
$$;

-- Binds the show to exactly one live broadcast and starts taking its comments.
create function public.activate_show(show_id uuid, live_id text, live_url text default null) returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target public.shows;
begin
	target := private.lock_show(show_id, 'assistant');
	if nullif(trim(live_id), '') is null then
		raise sqlstate '22023' using message = 'activate_show needs the live_id of the broadcast';
	end if;
	if exists (
		select 1 from public.shows other
		where other.platform = target.platform and other.live_id = trim(activate_show.live_id)
			and other.status in ('active', 'paused') and other.id <> target.id
	) then
		raise sqlstate 'PT409' using message = 'another running show is already bound to this live';
	end if;
	return private.change_show_status(show_id, '{draft}', 'active', 'activate', trim(live_id), live_url);
end;
$$;

create function public.pause_show(show_id uuid) returns public.shows
language sql volatile security definer
set search_path = ''
as $$
	select private.change_show_status(show_id, '{active}', 'paused', 'pause')
$$;

create function public.resume_show(show_id uuid) returns public.shows
language sql volatile security definer
set search_path = ''
as $$
	select private.change_show_status(show_id, '{paused}', 'active', 'resume')
$$;

create function public.stop_show(show_id uuid) returns public.shows
language sql volatile security definer
set search_path = ''
as $$
	select private.change_show_status(show_id, '{active,paused}', 'ended', 'stop')
$$;

revoke execute on function
	public.create_show(uuid, text, text, uuid, text[], text[]),
	public.update_show(uuid, jsonb),
	public.delete_show(uuid),
	public.activate_show(uuid, text, text),
	public.pause_show(uuid),
	public.resume_show(uuid),
	public.stop_show(uuid)
from public, anon, service_role;
grant execute on function
	public.create_show(uuid, text, text, uuid, text[], text[]),
	public.update_show(uuid, jsonb),
	public.delete_show(uuid),
	public.activate_show(uuid, text, text),
	public.pause_show(uuid),
	public.resume_show(uuid),
	public.stop_show(uuid)
to authenticated;
