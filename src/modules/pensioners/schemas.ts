// Request and response shapes of the registry, as JSON Schema (TypeBox).
import Type from 'typebox';

export const NationalIdParam = Type.Object({ nationalId: Type.String({ maxLength: 32 }) }, { additionalProperties: false });

/** Where the person lives: the village or residents' community, and the street and house number. */
export const AddressBody = Type.Object(
  { village: Type.String({ minLength: 1, maxLength: 100 }), street: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])) },
  { additionalProperties: false },
);

export const PensionerFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  regionCode: Type.String({ pattern: '^[0-9]{6}$' }),
  benefitStartDate: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
  monthlyBenefit: Type.String({ pattern: '^[0-9]{1,9}(\\.[0-9]{1,2})?$' }),
  /** The month from which `monthlyBenefit` is paid (default: the benefit start for a new person, else the current month). */
  benefitEffectiveMonth: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' })),
  pensionType: Type.Optional(Type.Union([Type.Literal('enterprise'), Type.Literal('resident'), Type.Literal('public')])),
  lastCertifiedAt: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }), Type.Null()])),
  phone: Type.Optional(Type.Union([Type.String({ pattern: '^1[0-9]{10}$' }), Type.Null()])),
  address: Type.Optional(Type.Union([AddressBody, Type.Null()])),
};

export const PensionerBody = Type.Object(PensionerFields, { additionalProperties: false });
export const PensionerLine = Type.Object({ nationalId: Type.String({ maxLength: 32 }), ...PensionerFields }, { additionalProperties: false });

export type PensionerBodyT = Type.Static<typeof PensionerBody>;
export type PensionerLineT = Type.Static<typeof PensionerLine>;
