using System.Text.Json;
using Clearing.Actors.Storage;

namespace Clearing.Actors.Hosting;

/// <summary>
/// <see cref="IPersistentState{TState}"/> over an <see cref="IGrainStorage"/>: JSON by System.Text.Json, the storage
/// version as ETag, the activation's lease epoch on every write. A refused write dooms the activation.
/// </summary>
internal sealed class PersistentState<TState> : IPersistentState<TState>, IStateCommitParticipant, IActivationState
    where TState : new()
{
    private readonly Activation _activation;
    private readonly IGrainStorage _storage;
    private readonly string _stateName;
    private readonly JsonSerializerOptions _json;

    public PersistentState(Activation activation, IGrainStorage storage, string stateName, JsonSerializerOptions json)
    {
        _activation = activation;
        _storage = storage;
        _stateName = stateName;
        _json = json;
        activation.AddState(this);
    }

    public TState State { get; set; } = new();

    public bool RecordExists { get; private set; }

    public long Etag { get; private set; }

    public GrainId GrainId => _activation.GrainId;

    public string StateName => _stateName;

    public string SerializeState() => JsonSerializer.Serialize(State, _json);

    public void Committed(long newVersion)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(newVersion, Etag);
        Etag = newVersion;
        RecordExists = true;
    }

    public async Task ReadStateAsync()
    {
        var record = await _storage.ReadAsync(_activation.GrainId, _stateName, CancellationToken.None);
        State = record.Json is null ? new TState() : JsonSerializer.Deserialize<TState>(record.Json, _json) ?? new TState();
        RecordExists = record.RecordExists;
        Etag = record.Version;
    }

    public async Task WriteStateAsync()
    {
        var json = SerializeState();
        Etag = await _activation.GuardWriteAsync(() => _storage.WriteAsync(_activation.GrainId, _stateName, json, Etag, _activation.Epoch, CancellationToken.None));
        RecordExists = true;
    }

    public async Task ClearStateAsync()
    {
        Etag = await _activation.GuardWriteAsync(() => _storage.ClearAsync(_activation.GrainId, _stateName, Etag, _activation.Epoch, CancellationToken.None));
        State = new TState();
        RecordExists = false;
    }
}
