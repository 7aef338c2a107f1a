// Unit tests run without a network: any socket connection attempt fails the test loudly, so a
// test that forgot to mock an SDK client cannot quietly reach a real endpoint.
import net from 'node:net';

net.Socket.prototype.connect = function connect(...args: unknown[]): never {
  throw new Error(`unit tests must not open network connections (attempted: ${JSON.stringify(args[0])})`);
};
