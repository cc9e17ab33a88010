// cdk8s-plus-27's users pass its enum members to our props (README, "LabeledService"):
// every member of its ImagePullPolicy and Protocol, and every ServiceType member but
// ExternalName (a Service with no selector or ports, which LabeledService is not), must
// type-check where our prop takes that value. This file never runs: it fails
// `npm run typecheck` (tsconfig includes test/) if one of them stops being accepted,
// or if cdk8s-plus changes a member's value.
import type * as kplus from 'cdk8s-plus-27';
import type { HelloNodeAppProps, LabeledServiceProps } from '../lib';

/** `true` when every `Value` is assignable to `Prop`, `never` otherwise. */
type Accepts<Prop, Value> = [Value] extends [Prop] ? true : never;
type ServiceTypes = Exclude<kplus.ServiceType, kplus.ServiceType.EXTERNAL_NAME>;

export const acceptsCdk8sPlusEnums: [
  Accepts<HelloNodeAppProps['imagePullPolicy'], kplus.ImagePullPolicy>,
  Accepts<HelloNodeAppProps['serviceType'], ServiceTypes>,
  Accepts<LabeledServiceProps['type'], ServiceTypes>,
  Accepts<LabeledServiceProps['protocol'], kplus.Protocol>,
] = [true, true, true, true];
