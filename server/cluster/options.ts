/** Settings of cluster mode (README "Running several nodes"): several nodes share one Redis. */
export interface ClusterOptions {
  /** Redis that carries shared state and messages between nodes (`redis://host:port`). */
  redisUrl: string;
  /** This node's name, unique in the cluster (letters, digits, `-`, `_`; at most 32). */
  nodeId: string;
  /** Whether rooms (and their mediasoup routers) may be pinned to this node (default true). */
  hostsRooms?: boolean;
  /** How often this node says it is alive (default 1000 ms). */
  heartbeatMs?: number;
  /**
   * A node silent this long is dead: its users' presence expires, its calls and rooms end (default 5000 ms;
   * shorter detects a death sooner but may take a node stalled by an overloaded machine for dead).
   */
  nodeTimeoutMs?: number;
  /** How long a request relayed to another node may take before it fails (default 5000 ms). */
  relayTimeoutMs?: number;
}

/** Settings of the durable store. */
export interface StoreOptions {
  /**
   * PostgreSQL shared by every node (`postgres://user@host:port/db`): users, rooms and call records.
   * Without it the node keeps SQLite in `dataDir` only.
   */
  postgresUrl?: string;
  /**
   * Rows waiting for PostgreSQL (in the node's outbox) above which an error is logged every minute;
   * nothing is ever dropped (default 100 000).
   */
  outboxLimit?: number;
}
