// The admin's "new group" form: a name and an optional description.
import { useState } from 'preact/hooks';
import { createGroup, type Group } from '../../api/adminGroups.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { fieldProblems } from '../../api/fieldErrors.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { TextField } from '../TextField.tsx';

export function CreateGroupForm({ onCreated }: { onCreated(group: Group): void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string>();
  const [created, setCreated] = useState<string>();

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    setCreated(undefined);
    try {
      const group = await createGroup({ name: name.trim(), description: description.trim() });
      setCreated(group.name);
      setName('');
      setDescription('');
      onCreated(group);
    } catch (e) {
      const problems = fieldProblems(e);
      if (isApiError(e) && e.code === 'group_name_taken') problems.byField.name = e.message;
      setErrors(problems.byField);
      if (!problems.byField.name && !problems.byField.description) setFailure(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card group-form"
      onSubmit={(ev) => void submit(ev)}
      aria-labelledby="new-group-title"
      data-testid="create-group-form"
      noValidate
    >
      <h3 id="new-group-title" class="card__title">
        New group
      </h3>
      {failure && <Alert>{failure}</Alert>}
      {created && <Alert tone="success">Created {created}. Add people to it, and entitle it to pools.</Alert>}
      <div class="group-form__row">
        <TextField
          id="new-group-name"
          name="name"
          label="Group name"
          value={name}
          onValue={setName}
          error={errors.name}
          autocomplete="off"
          maxLength={64}
          placeholder="e.g. engineering"
        />
        <TextField
          id="new-group-description"
          name="description"
          label="Group description"
          value={description}
          onValue={setDescription}
          error={errors.description}
          autocomplete="off"
          placeholder="Optional"
          class="group-form__grow"
        />
        <Button type="submit" variant="primary" busy={busy}>
          Create group
        </Button>
      </div>
    </form>
  );
}
