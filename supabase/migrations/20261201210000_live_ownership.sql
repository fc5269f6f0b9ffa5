-- A show listens only to a live its workspace owns. Facebook live ids are public (they are in the
-- video's URL), so a live id from the browser proves nothing: a live reaches a running show only
-- after Meta confirmed, to the meta-lives function and with the connection's own token, that the
-- live belongs to that connection's Page or Instagram account (public.meta_confirm_lives,
-- service role only). Activation (and any later change of a show's live or connection) needs
-- such a confirmation for the show's connection, active and of the show's workspace.
-- A show without a connection can still be rehearsed: activated without a live, it is bound to
-- `rehearsal:<show id>`, which no Meta live id can equal, so no platform comment ever reaches it.
-- Webhook routing applies the same ownership (public.webhook_route_event, in
-- 20261201230000_bad_comments_lose_nothing.sql): a change reaches a show only when the show's
-- connection is the delivery's Instagram account.
-- Connections are written only by the OAuth functions (service role and the definer functions of
-- 20261122006000_meta_connections.sql): clients can no longer insert or update their account ids.

create table private.meta_confirmed_lives (
	connection_id uuid not null references public.social_connections (id) on delete cascade,
	live_id text not null check (live_id ~ '^[0-9A-Za-z_]{1,64}$'),
	confirmed_at timestamptz not null default now(),
	primary key (connection_id, live_id)
);
alter table private.meta_confirmed_lives enable row level security;
revoke all on private.meta_confirmed_lives from public, anon, authenticated, service_role;

-- Lives Meta just listed or looked up for the connection's account (supabase/functions/meta-lives).
create function public.meta_confirm_lives(connection_id uuid, live_ids text[]) returns void
language sql volatile security definer
set search_path = ''
as $$
	insert into private.meta_confirmed_lives as confirmed (connection_id, live_id)
	select meta_confirm_lives.connection_id, given.live_id
	from unnest(meta_confirm_lives.live_ids) as given (live_id)
	on conflict (connection_id, live_id) do update set confirmed_at = now()
$$;

-- Raises unless the show may take comments from live_id through its connection (see the header).
create function private.assert_live_owned(show public.shows, live_id text) returns void
language plpgsql stable
set search_path = ''
as $$
declare
	connection public.social_connections;
begin
	if show.connection_id is null then
		raise sqlstate '22023' using message = format(
			'the show has no %s connection, so it cannot take a live''s comments: connect the account and choose it for the show (or activate without a live to rehearse)',
			show.platform);
	end if;
	select * into connection from public.social_connections c where c.id = show.connection_id;
	if connection.workspace_id is distinct from show.workspace_id or connection.platform is distinct from show.platform then
		raise sqlstate '22023' using message = format('the workspace has no %s connection %s', show.platform, show.connection_id);
	end if;
	if connection.status <> 'active' then
		raise sqlstate 'PT409' using message = format('the connection %s is %s: reconnect it first', coalesce(connection.display_name, connection.external_account_id), connection.status);
	end if;
	if not exists (
		select 1 from private.meta_confirmed_lives confirmed
		where confirmed.connection_id = connection.id and confirmed.live_id = assert_live_owned.live_id
	) then
		raise sqlstate '22023' using message = format(
			'Meta has not confirmed that live %s belongs to %s: pick it from the connection''s lives or check its address with Meta',
			live_id, coalesce(connection.display_name, connection.external_account_id));
	end if;
end;
$$;

-- Binds the show to one live its connection owns (or, without a connection and without a live, to
-- a rehearsal) and starts taking its comments.
create or replace function public.activate_show(show_id uuid, live_id text default null, live_url text default null) returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target public.shows;
	bound_live text;
	running public.shows;
	running_connection public.social_connections;
begin
	target := private.lock_show(show_id, 'assistant');
	if target.status <> 'draft' then
		raise sqlstate 'PT409' using message = format('cannot activate a show that is %s', target.status);
	end if;
	bound_live := coalesce(nullif(trim(activate_show.live_id), ''), target.live_id);
	if bound_live is null and target.connection_id is null then
		bound_live := 'rehearsal:' || target.id;
	elsif bound_live is null then
		raise sqlstate '22023' using message = 'activate_show needs the live_id of the broadcast';
	else
		perform private.assert_live_owned(target, bound_live);
	end if;
	select * into running from public.shows other
	where other.platform = target.platform and other.live_id = bound_live
		and other.status in ('active', 'paused') and other.id <> target.id;
	-- Only a workspace that owns the live gets this far, so naming the other show tells nothing new.
	if running.id is not null and running.workspace_id = target.workspace_id then
		raise sqlstate 'PT409' using message = format('the show "%s" of this workspace is already running on this live: stop it first', running.name);
	elsif running.id is not null then
		select * into running_connection from public.social_connections c where c.id = running.connection_id;
		raise sqlstate 'PT409' using message = format(
			'another workspace that also connected %s is running a show on this live; a live feeds one show, so that show must stop first',
			coalesce(running_connection.display_name, running_connection.external_account_id, 'this account'));
	end if;
	return private.change_show_status(show_id, '{draft}', 'active', 'activate', bound_live, live_url);
end;
$$;

-- As before (20261122004000_show_actions.sql), and a show's live or connection changes only to a
-- pair Meta confirmed.
create or replace function public.update_show(show_id uuid, changes jsonb) returns public.shows
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
	if after.live_id is not null and (after.live_id is distinct from before.live_id or after.connection_id is distinct from before.connection_id) then
		perform private.assert_live_owned(after, after.live_id);
	end if;
	perform private.record_audit(after.workspace_id, after.id, 'show.update', 'show', after.id, to_jsonb(before), to_jsonb(after));
	return after;
end;
$$;

-- Connections: read by members, removed by admins, written only by the OAuth functions.
drop policy "admins add connections" on public.social_connections;
drop policy "admins change connections" on public.social_connections;
revoke insert, update, truncate, references, trigger on public.social_connections from authenticated;

-- As before (20261122006000_meta_connections.sql), and each account says whether another
-- workspace already connected it (connected_elsewhere), so the seller is warned before choosing.
-- Only someone Meta just gave that account's token learns it.
create or replace function public.meta_pending_accounts(pending_id uuid) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
	pending private.meta_oauth_pending;
begin
	select * into pending from private.meta_oauth_pending p
	where p.id = pending_id and p.user_id = (select auth.uid()) and p.expires_at > now();
	if not found then
		raise sqlstate 'PT404' using message = 'this Meta sign-in has expired or is not yours; connect again';
	end if;
	return jsonb_build_object(
		'id', pending.id,
		'workspace_id', pending.workspace_id,
		'platform', pending.platform,
		'scopes', to_jsonb(pending.scopes),
		'expires_at', pending.expires_at,
		'accounts', (
			select coalesce(jsonb_agg(
				(account.value - 'encrypted_access_token') || jsonb_build_object(
					'connection_id', existing.id,
					'connection_status', existing.status,
					'connected_elsewhere', exists (
						select 1 from public.social_connections elsewhere
						where elsewhere.workspace_id <> pending.workspace_id
							and elsewhere.platform = account.value ->> 'platform'
							and elsewhere.external_account_id = account.value ->> 'external_account_id'
							and elsewhere.status = 'active'
					))
				order by account.place
			), '[]')
			from jsonb_array_elements(pending.accounts) with ordinality as account (value, place)
			left join public.social_connections existing
				on existing.workspace_id = pending.workspace_id
				and existing.platform = account.value ->> 'platform'
				and existing.external_account_id = account.value ->> 'external_account_id'
		)
	);
end;
$$;

revoke execute on function
	public.meta_confirm_lives(uuid, text[]),
	private.assert_live_owned(public.shows, text)
from public, anon, authenticated, service_role;
grant execute on function public.meta_confirm_lives(uuid, text[]) to service_role;
