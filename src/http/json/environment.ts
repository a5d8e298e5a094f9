import type {
  APIKeysSettingsJSON, AttributeDataJSON, AuthConfigJSON, CommerceSettingsJSON, DisplayConfigJSON, EnvironmentJSON,
  OrganizationSettingsJSON, UserSettingsJSON,
} from '@clerk/types';

// The instance's settings as Clerk's Environment JSON, which clerk-js loads first: phone numbers
// verified by SMS code and usable as a second factor, backup codes; everything else off. The shape
// is Clerk's OpenAPI `Client.Environment` (every required field, nothing it does not allow), held by
// the compiler to @clerk/types where the two agree.

export interface EnvironmentInput {
  instanceType: 'development' | 'production';
  applicationName: string;
  testMode: boolean;
  lockout: { maxAttempts: number; durationMinutes: number };
  enumerationProtection: boolean;
}

/** Clerk's settings parts carry no id or object of their own. */
type Part<T> = Omit<T, 'id' | 'object'>;

type AttributeJson = Omit<AttributeDataJSON, 'channels'> & { immutable: boolean };

type AuthConfigJson = AuthConfigJSON & {
  first_name: 'on' | 'off' | 'required';
  last_name: 'on' | 'off' | 'required';
  email_address: 'on' | 'off' | 'required';
  phone_number: 'on' | 'off' | 'required';
  username: 'on' | 'off' | 'required';
  password: 'on' | 'off' | 'required';
  identification_requirements: string[][];
  identification_strategies: string[];
  first_factors: string[];
  second_factors: string[];
  email_address_verification_strategies: string[];
  enhanced_email_deliverability: boolean;
  test_mode: boolean;
  url_based_session_syncing: boolean;
  native_settings: {
    object: 'native_settings';
    api_enabled: boolean;
    trusted_device_sign_in_enabled: boolean;
    trusted_device_enrollment_prompt_after_sign_in_enabled: boolean;
    trusted_device_enrollment_prompt_after_sign_up_enabled: boolean;
  };
};

type DisplayConfigJson = Omit<DisplayConfigJSON, 'google_one_tap_client_id' | 'clerk_js_version' | 'captcha_oauth_bypass' | 'captcha_heartbeat' | 'captcha_heartbeat_interval_ms'> & {
  oauth_consent_url: string;
  logo_link_url: string;
  experimental_force_oauth_first: boolean;
  clerk_js_version: string | null;
  google_one_tap_client_id: string | null;
  help_url: string | null;
  logo_url: string | null;
  favicon_url: string | null;
  logo_image: null;
  favicon_image: null;
  captcha_oauth_bypass: string[];
};

type UserSettingsJson = Omit<Part<UserSettingsJSON>, 'attributes' | 'social' | 'sign_in' | 'sign_up' | 'password_settings' | 'username_settings' | 'passkey_settings' | 'actions'> & {
  attributes: Record<keyof UserSettingsJSON['attributes'] | 'ticket', AttributeJson>;
  social: Partial<UserSettingsJSON['social']>;
  sign_in: { second_factor: { required: boolean } };
  sign_up: Omit<UserSettingsJSON['sign_up'], 'allowlist_only' | 'mfa'> & { captcha_widget_type: 'smart' | 'invisible'; custom_action_required: boolean };
  restrictions: Record<'allowlist' | 'blocklist' | 'allowlist_blocklist_disabled_on_sign_in' | 'block_email_subaddresses' | 'block_disposable_email_domains', { enabled: boolean }>;
  password_settings: UserSettingsJSON['password_settings'] & { disable_password_reverification: boolean; enforce_hibp_on_sign_in: boolean };
  username_settings: UserSettingsJSON['username_settings'] & { allow_extended_special_characters: boolean; allow_numeric_usernames: boolean };
  passkey_settings: UserSettingsJSON['passkey_settings'] & { satisfies_second_factor: boolean };
  actions: UserSettingsJSON['actions'] & { create_organizations_limit: null };
  attack_protection: {
    user_lockout: { enabled: boolean; max_attempts: number; duration_in_minutes: number };
    pii: { enabled: boolean };
    email_link: { require_same_client: boolean };
    enumeration_protection: { enabled: boolean };
  };
};

type OrganizationSettingsJson = Pick<Part<OrganizationSettingsJSON>, 'enabled' | 'max_allowed_memberships' | 'actions' | 'slug'> & {
  domains: { enabled: boolean; enrollment_modes: OrganizationSettingsJSON['domains']['enrollment_modes']; default_role: string };
  creator_role: string;
};

export type EnvironmentJson = Pick<EnvironmentJSON, 'maintenance_mode' | 'client_debug_mode' | 'partitioned_cookies'> & {
  auth_config: AuthConfigJson;
  display_config: DisplayConfigJson;
  user_settings: UserSettingsJson;
  organization_settings: OrganizationSettingsJson;
  commerce_settings: Part<CommerceSettingsJSON>;
  api_keys_settings: Part<APIKeysSettingsJSON> & { enabled: boolean };
  protect_config: { loaders: [] };
};

const OFF: AttributeJson = {
  enabled: false,
  required: false,
  verifications: [],
  used_for_first_factor: false,
  first_factors: [],
  used_for_second_factor: false,
  second_factors: [],
  verify_at_sign_up: false,
  immutable: false,
};

/** A phone number signs up, signs in by SMS code, and serves as a second factor. */
const PHONE_NUMBER: AttributeJson = {
  ...OFF,
  enabled: true,
  required: true,
  verifications: ['phone_code'],
  used_for_first_factor: true,
  first_factors: ['phone_code'],
  used_for_second_factor: true,
  second_factors: ['phone_code'],
  verify_at_sign_up: true,
};

/** Backup codes come with the first second factor a user turns on. */
const BACKUP_CODE: AttributeJson = { ...OFF, enabled: true, used_for_second_factor: true, second_factors: ['backup_code'] };

function authConfig(input: EnvironmentInput, id: string): AuthConfigJson {
  return {
    object: 'auth_config',
    id,
    first_name: 'off',
    last_name: 'off',
    email_address: 'off',
    phone_number: 'on',
    username: 'off',
    password: 'off',
    identification_requirements: [['phone_number']],
    identification_strategies: ['phone_number'],
    first_factors: ['phone_code', 'ticket'],
    second_factors: ['phone_code', 'backup_code'],
    email_address_verification_strategies: [],
    single_session_mode: false,
    enhanced_email_deliverability: false,
    test_mode: input.testMode,
    // Development browsers may carry their client in the __clerk_db_jwt query parameter.
    url_based_session_syncing: input.instanceType === 'development',
    claimed_at: null,
    reverification: false,
    native_settings: {
      object: 'native_settings',
      api_enabled: true,
      trusted_device_sign_in_enabled: false,
      trusted_device_enrollment_prompt_after_sign_in_enabled: false,
      trusted_device_enrollment_prompt_after_sign_up_enabled: false,
    },
  };
}

function displayConfig(input: EnvironmentInput, id: string): DisplayConfigJson {
  return {
    object: 'display_config',
    id,
    instance_environment_type: input.instanceType,
    application_name: input.applicationName,
    branded: false,
    show_devmode_warning: false,
    experimental_force_oauth_first: false,
    clerk_js_version: null,
    // No hosted pages here: the app's own routes stand in, relative to the page.
    home_url: '/',
    sign_in_url: '',
    sign_up_url: '',
    user_profile_url: '',
    waitlist_url: '',
    oauth_consent_url: '',
    after_sign_in_url: '/',
    after_sign_up_url: '/',
    after_sign_out_one_url: '/',
    after_sign_out_all_url: '/',
    after_switch_session_url: '/',
    after_join_waitlist_url: '/',
    organization_profile_url: '',
    create_organization_url: '',
    after_leave_organization_url: '/',
    after_create_organization_url: '/',
    logo_link_url: '/',
    support_email: '',
    terms_url: '',
    privacy_policy_url: '',
    help_url: null,
    google_one_tap_client_id: null,
    logo_image_url: '',
    favicon_image_url: '',
    logo_url: null,
    favicon_url: null,
    logo_image: null,
    favicon_image: null,
    preferred_sign_in_strategy: 'otp',
    captcha_public_key: null,
    captcha_widget_type: null,
    captcha_public_key_invisible: null,
    captcha_provider: 'turnstile',
    captcha_oauth_bypass: [],
    theme: {
      general: {
        color: '#6c47ff', background_color: '#ffffff', font_family: 'sans-serif', font_color: '#151515',
        label_font_weight: '600', padding: '1em', border_radius: '0.5em', box_shadow: 'none',
      },
      buttons: { font_color: '#ffffff', font_family: 'sans-serif', font_weight: '600' },
      accounts: { background_color: '#ffffff' },
    },
  };
}

function userSettings(input: EnvironmentInput): UserSettingsJson {
  const disabled = { enabled: false };
  return {
    attributes: {
      email_address: OFF,
      phone_number: PHONE_NUMBER,
      username: OFF,
      web3_wallet: OFF,
      first_name: OFF,
      last_name: OFF,
      password: OFF,
      authenticator_app: OFF,
      // As a real Clerk environment says: tickets work, but no sign-in form offers an input for one.
      ticket: { ...OFF, enabled: true },
      backup_code: BACKUP_CODE,
      passkey: OFF,
    },
    social: {},
    saml: disabled,
    enterprise_sso: disabled,
    sign_in: { second_factor: { required: false } },
    // Anyone with a phone number signs up by proving it; the operator can still make users (Backend API).
    sign_up: { captcha_enabled: false, captcha_widget_type: 'invisible', custom_action_required: false, progressive: true, mode: 'public', legal_consent_enabled: false },
    restrictions: {
      allowlist: disabled,
      blocklist: disabled,
      allowlist_blocklist_disabled_on_sign_in: disabled,
      block_email_subaddresses: disabled,
      block_disposable_email_domains: disabled,
    },
    password_settings: {
      allowed_special_characters: '',
      disable_hibp: true,
      disable_password_reverification: true,
      enforce_hibp_on_sign_in: false,
      min_length: 8,
      max_length: 72,
      require_special_char: false,
      require_numbers: false,
      require_uppercase: false,
      require_lowercase: false,
      show_zxcvbn: false,
      min_zxcvbn_strength: 0,
    },
    username_settings: { min_length: 4, max_length: 64, allow_extended_special_characters: false, allow_numeric_usernames: false },
    actions: { delete_self: false, create_organization: false, create_organizations_limit: null },
    attack_protection: {
      user_lockout: { enabled: true, max_attempts: input.lockout.maxAttempts, duration_in_minutes: input.lockout.durationMinutes },
      pii: disabled,
      email_link: { require_same_client: false },
      enumeration_protection: { enabled: input.enumerationProtection },
    },
    passkey_settings: { allow_autofill: false, show_sign_in_button: false, satisfies_second_factor: false },
  };
}

export function environmentJson(input: EnvironmentInput): EnvironmentJson {
  // One instance per server: its parts need ids, not unique ones.
  return {
    auth_config: authConfig(input, 'aac_instance'),
    display_config: displayConfig(input, 'display_config_instance'),
    user_settings: userSettings(input),
    organization_settings: {
      enabled: false,
      max_allowed_memberships: 0,
      actions: { admin_delete: false },
      domains: { enabled: false, enrollment_modes: [], default_role: '' },
      slug: { disabled: true },
      creator_role: '',
    },
    commerce_settings: {
      billing: {
        stripe_publishable_key: null,
        organization: { enabled: false, has_paid_plans: false },
        user: { enabled: false, has_paid_plans: false },
      },
    },
    api_keys_settings: { enabled: false, user_api_keys_enabled: false, orgs_api_keys_enabled: false },
    protect_config: { loaders: [] },
    maintenance_mode: false,
    client_debug_mode: false,
    partitioned_cookies: false,
  };
}
