import { Histogram, Registry } from 'prom-client';
import { RequestHistogram } from '../../api/http/requestHistogram';

describe('RequestHistogram', () => {
  it('writes the exposition text prom-client’s Histogram writes for the same observations', async () => {
    const buckets = [0.001, 0.01, 0.1];
    const ours = new Registry();
    const theirs = new Registry();
    const h = new RequestHistogram('lat', 'latency', buckets, ours);
    const p = new Histogram({
      name: 'lat',
      help: 'latency',
      labelNames: ['method', 'route', 'status_code'],
      buckets,
      registers: [theirs],
    });
    const observations: [string, string, number, number][] = [
      ['GET', '/a', 200, 0.0005],
      ['GET', '/a', 200, 0.001],
      ['GET', '/a', 200, 0.05],
      ['POST', '/b', 404, 3],
      ['GET', '/a', 500, 0.02],
    ];
    for (const [method, route, status, seconds] of observations) {
      h.observe(method, route, status, seconds);
      p.observe({ method, route, status_code: String(status) }, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
