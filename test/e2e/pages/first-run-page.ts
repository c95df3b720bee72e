/**
 * The first-run screen: technician profile and key.
 */
import type { Locator, Page } from '@playwright/test';

export class FirstRunPage {
  readonly root: Locator;
  readonly nameInput: Locator;
  readonly organisationInput: Locator;
  readonly createButton: Locator;
  readonly created: Locator;
  readonly keyId: Locator;
  readonly publicKey: Locator;
  readonly enrolmentCommand: Locator;
  readonly continueButton: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('first-run');
    this.nameInput = page.getByTestId('profile-name-input');
    this.organisationInput = page.getByTestId('profile-organisation-input');
    this.createButton = page.getByTestId('profile-create');
    this.created = page.getByTestId('profile-created');
    this.keyId = page.getByTestId('profile-key-id');
    this.publicKey = page.getByTestId('profile-public-key');
    this.enrolmentCommand = page.getByTestId('enrolment-command');
    this.continueButton = page.getByTestId('first-run-continue');
  }

  async createProfile(name: string, organisation: string): Promise<void> {
    await this.nameInput.fill(name);
    await this.organisationInput.fill(organisation);
    await this.createButton.click();
    await this.created.waitFor();
  }
}
