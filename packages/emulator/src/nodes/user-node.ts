import { type FieldResolver, type NodeType, type RenderContext, selectObject } from '../fields.js'
import { fieldQuery } from '../paging.js'
import { pictureField } from '../picture.js'
import { accountsField } from '../routes/accounts.js'
import { permissionsField } from '../routes/permissions.js'
import type { UserRecord } from '../state.js'

/** The scopes under which the caller sees the user: its token's, or what the user granted an app token's app. */
function seenScopes(user: UserRecord, ctx: RenderContext): readonly string[] {
  const { caller, services } = ctx
  return caller.kind === 'app' ? services.directory.grantedScopes(user.id, caller.app.id) : caller.record.scopes
}

/** A field answered only under `scope`, left out (without an error) otherwise, as Graph does. */
function behind(scope: string, resolver: FieldResolver<UserRecord>): FieldResolver<UserRecord> {
  return (user, ctx, spec) => (seenScopes(user, ctx).includes(scope) ? resolver(user, ctx, spec) : undefined)
}

function firstName(user: UserRecord): string | undefined {
  return user.profile.firstName ?? user.name.split(' ')[0]
}

function lastName(user: UserRecord): string | undefined {
  return user.profile.lastName ?? (user.name.split(' ').slice(1).join(' ') || undefined)
}

function object(value: object | undefined, known: string[], typeName: string): FieldResolver<UserRecord> {
  return (_user, _ctx, spec) =>
    value === undefined ? undefined : selectObject({ ...value } as Record<string, unknown>, spec, known, typeName)
}

/**
 * The User node: the fields of `public_profile`, the fields behind a permission (left out without it),
 * and `accounts` and `permissions` as connection fields.
 */
export const USER: NodeType<UserRecord> = {
  name: 'User',
  defaults: ['name', 'id'],
  fields: {
    id: (user) => user.id,
    name: (user) => user.name,
    first_name: firstName,
    last_name: lastName,
    middle_name: (user) => user.profile.middleName,
    short_name: (user) => user.profile.shortName ?? firstName(user),
    name_format: (user) => user.profile.nameFormat ?? '{first} {last}',
    locale: (user) => user.profile.locale ?? 'en_US',
    picture: (user, ctx, spec) => pictureField(user.profile.pictureUrl, ctx.req.origin, spec),
    email: behind('email', (user) => user.profile.email),
    link: behind('user_link', (user) => user.profile.link ?? `https://www.facebook.com/app_scoped_user_id/${user.id}/`),
    birthday: behind('user_birthday', (user) => user.profile.birthday),
    gender: behind('user_gender', (user) => user.profile.gender),
    age_range: behind('user_age_range', (user, ctx, spec) =>
      object(user.profile.ageRange, ['min', 'max'], 'AgeRange')(user, ctx, spec),
    ),
    location: behind('user_location', (user, ctx, spec) =>
      object(user.profile.location, ['id', 'name'], 'Page')(user, ctx, spec),
    ),
    hometown: behind('user_hometown', (user, ctx, spec) =>
      object(user.profile.hometown, ['id', 'name'], 'Page')(user, ctx, spec),
    ),
  },
  connections: {
    accounts: (user, ctx, spec) => accountsField(user, ctx, fieldQuery(ctx.req, ctx.services, user.id, spec)),
    permissions: (user, ctx, spec) => permissionsField(user, ctx, spec),
  },
}
