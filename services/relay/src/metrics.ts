/**
 * Per-lane metrics in Prometheus text format (GET /metrics), one registry per process so that
 * tests running several halves in one process do not mix their counters.
 */
import { Counter, Gauge, Registry } from 'prom-client';

export function createLaneMetrics(lane: string, role: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ lane, role });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  return {
    registry,
    sent: counter('relay_lane_sent_total', 'Records sent for the first time (sender)'),
    resent: counter('relay_lane_resent_total', 'Records sent again after a reconciliation report (sender)'),
    packetsSent: counter('relay_lane_packets_sent_total', 'Datagrams sent, repeats and parity included (sender)'),
    bytesSent: counter('relay_lane_bytes_sent_total', 'Datagram bytes sent (sender)'),
    received: counter('relay_lane_received_total', 'Records completely reassembled (receiver)'),
    repaired: counter('relay_lane_repaired_total', 'Chunks rebuilt from parity instead of being re-sent (receiver)'),
    relayed: counter('relay_lane_relayed_total', 'Messages written into the destination stream'),
    quarantined: counter('relay_lane_quarantined_total', 'Messages refused and quarantined'),
    duplicates: counter('relay_lane_duplicates_total', 'Records or messages that had already arrived (receiver)'),
    dropped: counter('relay_lane_packets_dropped_total', 'Datagrams or records discarded', ['reason']),
    unauthenticated: counter('relay_lane_unauthenticated_total', 'Datagrams refused for their MAC: no-mac, unknown-key, bad-mac (receiver)', ['reason']),
    gapsDetected: counter('relay_lane_gaps_detected_total', 'Missing sequences reported for re-sending (receiver)'),
    reports: counter('relay_lane_reports_total', 'Reconciliation reports published (receiver) or applied (sender)'),
    gaps: gauge('relay_lane_gaps', 'Sequences currently missing above the watermark'),
    lag: gauge('relay_lane_lag', 'Sequences not yet confirmed: source last minus confirmed (sender), highest seen minus watermark (receiver)'),
    watermark: gauge('relay_lane_watermark', 'Sequence through which everything is handled (receiver) or confirmed (sender)'),
  };
}
export type LaneMetrics = ReturnType<typeof createLaneMetrics>;
