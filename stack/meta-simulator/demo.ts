// What `npm start` shows of Meta: the demo Page "Demo Boutique" live on Facebook and its
// Instagram account @demo.boutique live too, each with simulated viewers commenting; half of the
// viewers who get a private reply answer it with `cart`.
import type { FacebookLiveInfo, InstagramLiveInfo, MetaSimulator } from './index.ts';

export interface SimulatorDemo {
	facebookLive: FacebookLiveInfo;
	instagramLive: InstagramLiveInfo | null;
	/** Stops the viewers; the lives stay on air. */
	stop(): void;
}

export function startSimulatorDemo(
	simulator: MetaSimulator,
	commentsPerSecond = 0.7,
): SimulatorDemo {
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
