import { describe, expect, it } from 'vitest';
import { metricValue } from './metric-value.js';

const EXPOSITION = [
  '# HELP shop_points_balance_mismatches Accounts whose balance differed from the ledger.',
  '# TYPE shop_points_balance_mismatches gauge',
  'shop_points_balance_mismatches{service="points"} 2',
  '# TYPE shop_messages_handled_total counter',
  'shop_messages_handled_total{type="order.placed.v1",handler="reserve-points-on-order-placed",service="points"} 7',
  'shop_messages_handled_total{type="order.paid.v1",handler="confirm-points-on-order-paid",service="points"} 3',
  'shop_messages_handled_total_extra{type="order.placed.v1"} 100',
  'shop_route{route="/a b",note="say \\"hi\\""} 1.5',
  'process_start_time_seconds 1700000000',
].join('\n');

describe('metricValue', () => {
  it('reads a series by its exact name, with or without labels', () => {
    expect(metricValue(EXPOSITION, 'shop_points_balance_mismatches')).toBe(2);
    expect(metricValue(EXPOSITION, 'process_start_time_seconds')).toBe(1_700_000_000);
  });

  it('sums the series carrying every label given, and no other metric sharing the prefix', () => {
    expect(metricValue(EXPOSITION, 'shop_messages_handled_total')).toBe(10);
    expect(metricValue(EXPOSITION, 'shop_messages_handled_total', { handler: 'reserve-points-on-order-placed' })).toBe(7);
    expect(metricValue(EXPOSITION, 'shop_messages_handled_total', { type: 'order.paid.v1', service: 'points' })).toBe(3);
  });

  it('matches label values whole, spaces and escaped quotes included', () => {
    expect(metricValue(EXPOSITION, 'shop_messages_handled_total', { type: 'order.placed' })).toBeUndefined();
    expect(metricValue(EXPOSITION, 'shop_route', { route: '/a b', note: 'say "hi"' })).toBe(1.5);
  });

  it('answers undefined for a metric or label set that is not there', () => {
    expect(metricValue(EXPOSITION, 'shop_points')).toBeUndefined();
    expect(metricValue(EXPOSITION, 'shop_messages_handled_total', { handler: 'nobody' })).toBeUndefined();
  });
});
