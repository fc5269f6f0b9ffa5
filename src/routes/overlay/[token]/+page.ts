// The overlay runs in the browser source only: its token never reaches the console's server.
export const ssr = false;
