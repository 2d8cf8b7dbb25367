/** The store's name among the sinks: in `BrokerStats.sinks`, logs, health and `/metrics`. */
export const STORE_SINK = 'store';
