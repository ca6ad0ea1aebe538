// Request shapes of the manual-check queue (TypeBox).
import Type from 'typebox';
import { PageQuery } from '../../http/paging.ts';
import { CheckMethod, IsoDateField, Note, ServicePointId } from '../service-point/schemas.ts';

export const CheckIdParam = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }) },
  { additionalProperties: false },
);

export const QueueQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('claimed'), Type.Literal('resolved')])),
    /** `true`: only checks worth a visit today (visitFrom none or reached); `false` or none: all of them. */
    ready: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type QueueQueryT = Type.Static<typeof QueueQuery>;

export const ClaimBody = Type.Object({ servicePointId: Type.Optional(ServicePointId) }, { additionalProperties: false });
export type ClaimBodyT = Type.Static<typeof ClaimBody>;

export const ResolveBody = Type.Object(
  {
    outcome: Type.Union([Type.Literal('alive'), Type.Literal('deceased'), Type.Literal('unreachable')]),
    method: Type.Optional(CheckMethod),
    deathDate: Type.Optional(IsoDateField),
    note: Type.Optional(Note),
    servicePointId: Type.Optional(ServicePointId),
  },
  { additionalProperties: false },
);
export type ResolveBodyT = Type.Static<typeof ResolveBody>;

export const FlagBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    note: Type.Optional(Note),
    servicePointId: Type.Optional(ServicePointId),
  },
  { additionalProperties: false },
);
export type FlagBodyT = Type.Static<typeof FlagBody>;
