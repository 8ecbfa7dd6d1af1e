/** Custom search attributes (Keyword). The set-up registers them on the Temporal server. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const EtcdCluster = defineSearchAttributeKey('EtcdCluster', SearchAttributeType.KEYWORD);
export const TicketId = defineSearchAttributeKey('TicketId', SearchAttributeType.KEYWORD);
export const RequestedBy = defineSearchAttributeKey('RequestedBy', SearchAttributeType.KEYWORD);
export const ScaleOutPhase = defineSearchAttributeKey('ScaleOutPhase', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [EtcdCluster, TicketId, RequestedBy, ScaleOutPhase].map((k) => ({ name: k.name, type: 'Keyword' }));
