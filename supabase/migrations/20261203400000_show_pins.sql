-- The pinned item: the item the seller is showing on camera. A bare claim word ("sold", "mine")
-- claims the item that was pinned when the comment was written, so every pin change is kept as a
-- row with its time (never updated): allocation looks up the pin with the greatest pinned_at at
-- or before the comment's platform time. item_number null is an unpin. The current pin is the
-- latest row per show, also copied to shows.pinned_item_number for the console and the overlay.
-- Written only by pin_show_item; members read; the console and the overlay follow it on Realtime.

create table public.show_pins (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	show_id uuid not null references public.shows (id) on delete cascade,
	item_number int check (item_number between 1 and 999999),
	pinned_at timestamptz not null default now(),
	pinned_by uuid references auth.users (id) on delete set null
);
create index show_pins_show_id_pinned_at_idx on public.show_pins (show_id, pinned_at desc);
create index show_pins_workspace_id_idx on public.show_pins (workspace_id);
create index show_pins_pinned_by_idx on public.show_pins (pinned_by);

alter table public.shows add column pinned_item_number int check (pinned_item_number between 1 and 999999);

alter table public.show_pins enable row level security;
revoke all on public.show_pins from anon;
revoke insert, update, delete, truncate, references, trigger on public.show_pins from authenticated;
grant select on public.show_pins to authenticated;

create policy "members read their workspace's show pins" on public.show_pins
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

alter publication supabase_realtime add table public.show_pins;

-- Pins the show's item item_number (null unpins). Any member running the live may pin; the show
-- must not have ended and the item must exist. Pinning the item already pinned changes nothing.
-- Returns the show's latest pin.
create function public.pin_show_item(show_id uuid, item_number int) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target_show public.shows;
	pin public.show_pins;
begin
	perform private.require_workspace_role((select s.workspace_id from public.shows s where s.id = pin_show_item.show_id), 'assistant', 'show');
	select * into target_show from public.shows s where s.id = pin_show_item.show_id for no key update;
	if target_show.status = 'ended' then
		raise sqlstate 'PT409' using message = 'this show has ended; its pin can no longer change';
	end if;
	if item_number is not null and not exists (
		select 1 from public.show_items i where i.show_id = target_show.id and i.item_number = pin_show_item.item_number::text
	) then
		raise sqlstate '22023' using message = format('this show has no item %s to pin', item_number);
	end if;
	if target_show.pinned_item_number is not distinct from item_number then
		select * into pin from public.show_pins p where p.show_id = target_show.id order by p.pinned_at desc limit 1;
		return to_jsonb(pin);
	end if;
	-- clock_timestamp, not now(): two pins in one transaction still have an order.
	insert into public.show_pins (workspace_id, show_id, item_number, pinned_at, pinned_by)
	values (target_show.workspace_id, target_show.id, item_number, clock_timestamp(), (select auth.uid()))
	returning * into pin;
	update public.shows s set pinned_item_number = item_number where s.id = target_show.id;
	perform private.record_audit(target_show.workspace_id, target_show.id,
		case when item_number is null then 'show.unpin' else 'show.pin' end, 'show_pin', pin.id,
		jsonb_build_object('item_number', target_show.pinned_item_number), to_jsonb(pin));
	return to_jsonb(pin);
end;
$$;

revoke execute on function public.pin_show_item(uuid, int) from public, anon, authenticated, service_role;
grant execute on function public.pin_show_item(uuid, int) to authenticated;
