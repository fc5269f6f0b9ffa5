-- Reminding an invoiced buyer before their hold runs out: hold_expiring is queued once per order
-- when its due_at comes within the workspace's hours_before (default 2; the event switched off
-- sends none) while the order is still invoiced and unpaid, unless it was invoiced within those
-- hours (its payment link already said when to pay by). No schedule of its own: the sender's
-- lease (public.meta_outbox_lease, run every second by the meta-outbox schedule, pg_cron on
-- Supabase) queues the reminders that came due before it leases. The pass reads every invoiced
-- order due within two days, so it runs at most every 30 seconds (private.hold_expiring_passes):
-- a reminder goes out within about half a minute of its time.

-- When the reminder pass last ran; one row.
create table private.hold_expiring_passes (
	only_row boolean primary key default true check (only_row),
	last_run_at timestamptz not null default '-infinity'
);
alter table private.hold_expiring_passes enable row level security;
revoke all on private.hold_expiring_passes from public, anon, authenticated, service_role;
insert into private.hold_expiring_passes default values;

create function private.queue_hold_expiring_reminders() returns void
language plpgsql
set search_path = ''
as $$
declare
	due public.orders;
begin
	-- Overlapping runs: one takes the pass, the others go on without waiting.
	perform 1 from private.hold_expiring_passes p where p.last_run_at <= now() - interval '30 seconds'
	for update skip locked;
	if not found then
		return;
	end if;
	update private.hold_expiring_passes set last_run_at = now();
	for due in
		-- The workspaces with invoiced orders due within 48 hours (the most hours_before allows), each
		-- with its reminder setting read once.
		with reminding as (
			select w.id as workspace_id, make_interval(hours => (e.settings ->> 'hours_before')::numeric::int) as ahead
			from public.workspaces w
			cross join lateral (select private.buyer_message_settings(w.settings) -> 'hold_expiring' as settings) e
			where w.id in (
					select o.workspace_id from public.orders o
					where o.status = 'invoiced' and o.due_at > now() and o.due_at <= now() + interval '48 hours')
				and (e.settings ->> 'enabled')::boolean
		)
		select o.* from reminding r
		join public.orders o on o.workspace_id = r.workspace_id
		where o.status = 'invoiced' and o.due_at > now() and o.due_at <= now() + r.ahead
			and o.payment_url is not null
			-- An invoice sent inside the reminder's hours already said when to pay by.
			and o.invoiced_at < o.due_at - r.ahead
			and not exists (select 1 from public.buyer_messages m where m.order_id = o.id and m.event = 'hold_expiring')
		order by o.due_at
	loop
		perform private.queue_order_message(due, 'hold_expiring', format('hold_expiring:%s', due.id));
	end loop;
end;
$$;

revoke execute on function private.queue_hold_expiring_reminders() from public, anon, authenticated, service_role;
