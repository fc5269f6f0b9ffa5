// What `npm start` shows of Meta: the demo Page "Demo Boutique" live on Facebook and its
// Instagram account @demo.boutique live too, each with simulated viewers commenting; half of the
// viewers who get a private reply answer it with `cart`, and the demo Page takes Messenger
// messages (subscribed to `messages` and `message_echoes`, as connecting the Page does).
import type { FacebookLiveInfo, InstagramLiveInfo, MetaSimulator } from './index.ts';

export interface SimulatorDemo {
	facebookLive: FacebookLiveInfo;
	instagramLive: InstagramLiveInfo | null;
	/** Stops the viewers; the lives stay on air. */
	stop(): void;
}

export async function startSimulatorDemo(
	simulator: MetaSimulator,
	commentsPerSecond = 0.7,
): Promise<SimulatorDemo> {
	const pageId = simulator.demo.page.id;
	const subscribed = await fetch(`${simulator.graphUrl}/${pageId}/subscribed_apps`, {
		method: 'POST',
		body: new URLSearchParams({
			subscribed_fields: 'messages,message_echoes',
			access_token: simulator.issuePageToken({ pageId }).accessToken,
		}),
	});
	if (!subscribed.ok)
		throw new Error(
			`demo: subscribing the demo Page to messages failed: ${await subscribed.text()}`,
		);
	const facebookLive = simulator.startFacebookLive({
		pageId: simulator.demo.page.id,
		title: 'Friday boutique drop',
	});
	const instagramLive = simulator.demo.instagram
		? simulator.startInstagramLive({
				igUserId: simulator.demo.instagram.id,
				caption: 'Friday boutique drop',
			})
		: null;
	simulator.setViewerReplies({ share: 0.5, text: 'cart', delayMs: 3000 });
	const crowds = [simulator.startViewers({ liveId: facebookLive.id, commentsPerSecond })];
	if (instagramLive)
		crowds.push(simulator.startViewers({ liveId: instagramLive.id, commentsPerSecond }));
	return {
		facebookLive,
		instagramLive,
		stop: () => crowds.forEach(({ viewersId }) => simulator.stopViewers({ viewersId })),
	};
}
