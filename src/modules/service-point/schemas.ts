// Request shapes of what staff record at a service point (TypeBox); the manual-check queue
// reuses the service point, method, date and note fields.
import Type from 'typebox';

export const IsoDateField = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
export const Note = Type.String({ maxLength: 1000 });
export const ServicePointId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
export const CheckMethod = Type.Union([Type.Literal('id_document'), Type.Literal('biometric'), Type.Literal('home_visit')]);

export const InPersonBody = Type.Object(
  {
    servicePointId: ServicePointId,
    outcome: Type.Union([Type.Literal('alive'), Type.Literal('deceased')]),
    method: CheckMethod,
    deathDate: Type.Optional(IsoDateField),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
export type InPersonBodyT = Type.Static<typeof InPersonBody>;
