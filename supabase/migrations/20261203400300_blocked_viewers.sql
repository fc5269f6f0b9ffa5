-- Blocked viewers, per workspace: a viewer (platform and platform user id; the handle is kept to
-- show who it is) whose comments are recorded and ignored with reason blocked, in every show of
-- the workspace, from the moment of blocking. The live console blocks from a claim or a comment
-- in one action (block_viewer), and may at the same time release the viewer's open claims in that
-- show (each promotes the next waiter as any release does) and dismiss their open variant
-- requests; unblock_viewer lifts it. Both are open to every member running the live, and audited.
-- Members read the list; the console follows it on Realtime.
-- The allocation that applies it: 20261203400400_allocation_pins_limits_blocked.sql.

create table public.blocked_viewers (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram', 'test')),
	platform_user_id text not null check (length(platform_user_id) between 1 and 200),
	user_handle text check (length(user_handle) <= 200),
	user_display_name text check (length(user_display_name) <= 200),
	blocked_by uuid references auth.users (id) on delete set null,
	created_at timestamptz not null default now(),
	unique (workspace_id, platform, platform_user_id)
);
create index blocked_viewers_blocked_by_idx on public.blocked_viewers (blocked_by);

alter table public.blocked_viewers enable row level security;
revoke all on public.blocked_viewers from anon;
revoke insert, update, delete, truncate, references, trigger on public.blocked_viewers from authenticated;
grant select on public.blocked_viewers to authenticated;

create policy "members read their workspace's blocked viewers" on public.blocked_viewers
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

-- Deletes carry the whole row, so Realtime can tell the console which viewer was unblocked.
alter table public.blocked_viewers replica identity full;
alter publication supabase_realtime add table public.blocked_viewers;

-- Blocks the commenter of a claim or comment of the show, by platform and platform user id
-- (the handle is what the console shows). With release_claims, also releases every open claim
-- the viewer holds in the show (waiters first, from the back of each line, then winners, whose
-- units go to the next waiters) and dismisses their open variant requests. Blocking a viewer
-- already blocked changes nothing but the release. Returns {blocked, claims, promoted, items,
-- variant_requests}.
create function public.block_viewer(
	show_id uuid,
	platform text,
	platform_user_id text,
	user_handle text default null,
	user_display_name text default null,
	release_claims boolean default false
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target_show public.shows;
	operator_id uuid;
	blocked public.blocked_viewers;
	ending public.claims;
	promoted public.claims;
	released_ids uuid[] := '{}';
	promoted_ids uuid[] := '{}';
	dismissed_ids uuid[] := '{}';
	result jsonb;
begin
	select * into target_show from public.shows s where s.id = block_viewer.show_id;
	operator_id := private.require_workspace_role(target_show.workspace_id, 'assistant', 'show');
	if block_viewer.platform is null or block_viewer.platform not in ('facebook', 'instagram', 'test') then
		raise sqlstate '22023' using message = format('platform must be facebook, instagram or test, not %s', coalesce(block_viewer.platform, 'missing'));
	end if;
	if nullif(trim(block_viewer.platform_user_id), '') is null or length(block_viewer.platform_user_id) > 200 then
		raise sqlstate '22023' using message = 'block_viewer needs the platform user id of the viewer (at most 200 characters)';
	end if;
	insert into public.blocked_viewers (workspace_id, platform, platform_user_id, user_handle, user_display_name, blocked_by)
	values (target_show.workspace_id, block_viewer.platform, block_viewer.platform_user_id, left(block_viewer.user_handle, 200),
		left(block_viewer.user_display_name, 200), operator_id)
	on conflict on constraint blocked_viewers_workspace_id_platform_platform_user_id_key do nothing
	returning * into blocked;
	if blocked.id is null then
		select * into blocked from public.blocked_viewers b
		where b.workspace_id = target_show.workspace_id and b.platform = block_viewer.platform
			and b.platform_user_id = block_viewer.platform_user_id;
	else
		perform private.record_audit(target_show.workspace_id, target_show.id, 'viewer.block', 'blocked_viewer', blocked.id,
			null, to_jsonb(blocked), jsonb_build_object('release_claims', release_claims));
	end if;

	if release_claims then
		-- Locks as allocation: the show, then the viewer's items in id order.
		perform from public.shows s where s.id = target_show.id for share;
		perform from public.show_items i
		where i.id in (
			select c.show_item_id from public.claims c
			where c.show_id = target_show.id and c.platform_user_id = block_viewer.platform_user_id
				and c.status in ('winner', 'waitlist')
		)
		order by i.id
		for update;
		for ending in
			select * from public.claims c
			where c.show_id = target_show.id and c.platform_user_id = block_viewer.platform_user_id
				and c.platform = block_viewer.platform and c.status in ('winner', 'waitlist')
			order by c.status = 'winner', c.show_item_id, c.waitlist_position desc, c.buyer_unit
		loop
			promoted := private.end_claim(ending, 'released', operator_id);
			released_ids := released_ids || ending.id;
			if promoted.id is not null then
				promoted_ids := promoted_ids || promoted.id;
			end if;
			perform private.record_audit(target_show.workspace_id, target_show.id, 'claim.release', 'claim', ending.id,
				to_jsonb(ending), (select to_jsonb(c) from public.claims c where c.id = ending.id),
				jsonb_build_object('notes', 'viewer blocked', 'promoted', (select to_jsonb(c) from public.claims c where c.id = promoted.id)));
		end loop;
		with dismissed as (
			update public.variant_requests r
			set status = 'dismissed', resolved_by = operator_id, resolved_at = now()
			where r.show_id = target_show.id and r.platform = block_viewer.platform
				and r.platform_user_id = block_viewer.platform_user_id and r.status = 'open'
			returning r.id
		)
		select coalesce(array_agg(dismissed.id), '{}') into dismissed_ids from dismissed;
	end if;

	select jsonb_build_object(
		'blocked', to_jsonb(blocked),
		'claims', coalesce((select jsonb_agg(to_jsonb(c)) from public.claims c where c.id = any (released_ids)), '[]'),
		'promoted', coalesce((select jsonb_agg(to_jsonb(c)) from public.claims c where c.id = any (promoted_ids)), '[]'),
		'items', coalesce((select jsonb_agg(to_jsonb(i)) from public.show_items i
			where i.id in (select c.show_item_id from public.claims c where c.id = any (released_ids))), '[]'),
		'variant_requests', coalesce((select jsonb_agg(to_jsonb(r)) from public.variant_requests r where r.id = any (dismissed_ids)), '[]')
	) into result;
	return result;
end;
$$;

-- Lifts a block; returns the row as it was.
create function public.unblock_viewer(blocked_viewer_id uuid) returns public.blocked_viewers
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.blocked_viewers;
begin
	perform private.require_workspace_role(
		(select b.workspace_id from public.blocked_viewers b where b.id = blocked_viewer_id), 'assistant', 'blocked viewer');
	delete from public.blocked_viewers b where b.id = blocked_viewer_id returning * into before;
	perform private.record_audit(before.workspace_id, null, 'viewer.unblock', 'blocked_viewer', before.id, to_jsonb(before), null);
	return before;
end;
$$;

revoke execute on function
	public.block_viewer(uuid, text, text, text, text, boolean),
	public.unblock_viewer(uuid)
from public, anon, authenticated, service_role;
grant execute on function
	public.block_viewer(uuid, text, text, text, text, boolean),
	public.unblock_viewer(uuid)
to authenticated;
