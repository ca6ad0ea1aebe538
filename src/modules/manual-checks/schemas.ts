// Request shapes of the manual-check queue and the service-point actions (TypeBox).
import Type from 'typebox';
import { PageQuery } from '../../http/paging.ts';

const Date_ = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
const Note = Type.String({ maxLength: 1000 });
export const ServicePointId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
export const CheckMethod = Type.Union([Type.Literal('id_document'), Type.Literal('biometric'), Type.Literal('home_visit')]);

export const CheckIdParam = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }) },
  { additionalProperties: false },
);

export const QueueQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('claimed'), Type.Literal('resolved')])), ...PageQuery },
  { additionalProperties: false },
);
export type QueueQueryT = Type.Static<typeof QueueQuery>;

export const ClaimBody = Type.Object({ servicePointId: Type.Optional(ServicePointId) }, { additionalProperties: false });
export type ClaimBodyT = Type.Static<typeof ClaimBody>;

export const ResolveBody = Type.Object(
  {
    outcome: Type.Union([Type.Literal('alive'), Type.Literal('deceased'), Type.Literal('unreachable')]),
    method: Type.Optional(CheckMethod),
    deathDate: Type.Optional(Date_),
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

export const InPersonBody = Type.Object(
  {
    servicePointId: ServicePointId,
    outcome: Type.Union([Type.Literal('alive'), Type.Literal('deceased')]),
    method: CheckMethod,
    deathDate: Type.Optional(Date_),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
export type InPersonBodyT = Type.Static<typeof InPersonBody>;
