// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyLock} from "./utils/ReentrancyLock.sol";
import {IRelayRegistry} from "./interfaces/IRelayRegistry.sol";

/**
 * @title RelayRegistry
 * @dev Sotto's on-chain relay directory and staking contract (see {IRelayRegistry} for the life cycle).
 *
 * A wallet reads the whole directory with {getRelays} in a few paginated `eth_call`s; events let indexers
 * follow changes. Route selection is stake-weighted over the relays whose `active` flag is set.
 *
 * The node key proves it consents to being bound to an operator with an EIP-712 `RelayBinding` signature over
 * the operator, the whole record, the node's nonce and a deadline, so nobody can claim someone else's node or
 * replay an old binding. Node signatures are ECDSA only (the node is a hot EOA).
 *
 * Onion keys are unique by x coordinate (a key and its negation count as the same key) and must be points of
 * secp256k1.
 *
 * IMPORTANT: the staking token must be a plain ERC-20: fee-on-transfer or rebasing tokens are not supported.
 */
contract RelayRegistry is IRelayRegistry, EIP712, Nonces, ReentrancyLock {
    using SafeERC20 for IERC20;

    /// @notice Maximum length of a peer id in bytes (an identity multihash of an Ed25519 key is 38).
    uint256 public constant MAX_PEER_ID_LENGTH = 64;
    /// @notice Maximum number of multiaddrs per relay.
    uint256 public constant MAX_MULTIADDRS = 8;
    /// @notice Maximum length of one multiaddr in bytes.
    uint256 public constant MAX_MULTIADDR_LENGTH = 256;

    bytes32 private constant RELAY_BINDING_TYPEHASH = keccak256(
        "RelayBinding(address operator,address node,bytes onionKey,bytes peerId,string[] multiaddrs,uint128 fee,uint256 nonce,uint64 deadline)"
    );

    /// @dev secp256k1 field prime and (p - 1) / 2, for the on-curve check of onion keys.
    uint256 private constant _P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    uint256 private constant _HALF_P = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF7FFFFE17;

    /**
     * @dev The mutable part of a relay: two slots. The rest of the record (node, operator, onion key, peer id,
     * multiaddrs, fee) is written once per registration or update into the code of a data contract ("SSTORE2"),
     * already ABI-encoded as a {RelayInfo} tuple (with zero stake, active and unbondingEnds). Writing it costs about
     * what the storage slots it replaces would, and {getRelays} copies each record into its return data with one
     * EXTCODECOPY and patches the three mutable words, instead of one SLOAD per 32 bytes plus decoding and
     * re-encoding: a directory page costs about a quarter of the gas (and time) of a storage-based one. An update
     * writes a new data contract; the old one is abandoned (it holds no value and cannot be called).
     */
    struct Relay {
        // slot 0: read by the directory views
        uint128 stake;
        uint64 unbondingEnds;
        uint8 onionKeyPrefix;
        // slot 1
        address operator;
    }

    /// @dev Code offset of the RelayInfo tuple in a record: a STOP byte, then the ABI head offset word (0x20).
    uint256 private constant _RECORD_TUPLE_OFFSET = 33;
    /// @dev Byte offsets of the mutable words in an ABI-encoded RelayInfo tuple.
    uint256 private constant _STAKE_WORD = 0xc0;
    uint256 private constant _ACTIVE_WORD = 0xe0;
    uint256 private constant _UNBONDING_WORD = 0x100;

    IERC20 private immutable _token;
    uint128 private immutable _minimumStake;
    uint64 private immutable _unbondingDelay;

    mapping(address node => Relay) private _relays;
    address[] private _records; // the directory: one record data contract per relay
    mapping(address node => uint256) private _positions; // index in `_records` plus one
    mapping(bytes32 onionKeyX => address node) private _onionKeyNodes;

    /**
     * @param token_ The staking ERC-20.
     * @param minimumStake_ Minimum stake of an active relay.
     * @param unbondingDelay_ Seconds between {requestUnstake} and {withdraw}.
     */
    constructor(IERC20 token_, uint128 minimumStake_, uint64 unbondingDelay_) EIP712("Sotto RelayRegistry", "1") {
        if (address(token_) == address(0)) revert RelayRegistryInvalidToken(address(token_));
        _token = token_;
        _minimumStake = minimumStake_;
        _unbondingDelay = unbondingDelay_;
    }

    /// @inheritdoc IRelayRegistry
    function register(RelayParams calldata relay, uint128 amount, uint64 deadline, bytes calldata nodeSignature)
        external
        nonReentrant
    {
        address node = relay.node;
        Relay storage r = _relays[node];
        if (r.operator != address(0)) revert RelayRegistryNodeTaken(node, r.operator);
        if (amount < _minimumStake) revert RelayRegistryStakeBelowMinimum(amount, _minimumStake);
        _verifyBinding(relay, deadline, nodeSignature);

        _claimOnionKey(relay);
        r.operator = msg.sender;
        r.stake = amount;
        r.onionKeyPrefix = uint8(relay.onionKey[0]);
        _records.push(_writeRecord(relay));
        _positions[node] = _records.length;

        _emitRegistered(relay, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRelayRegistry
    function addStake(address node, uint128 amount) external nonReentrant {
        _addStake(node, amount);
    }

    /// @inheritdoc IRelayRegistry
    function addStakeWithPermit(
        address node,
        uint128 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, permitDeadline, v, r, s) {}
            catch {}
        _addStake(node, amount);
    }

    /// @inheritdoc IRelayRegistry
    function updateRelay(RelayParams calldata relay, uint64 deadline, bytes calldata nodeSignature)
        external
        nonReentrant
    {
        address node = relay.node;
        Relay storage r = _mutableRelay(node);
        _verifyBinding(relay, deadline, nodeSignature);

        _replaceRecord(r, relay);
        emit RelayUpdated(node, msg.sender, relay.onionKey, relay.peerId, relay.multiaddrs, relay.fee);
    }

    /// @inheritdoc IRelayRegistry
    function requestUnstake(address node) external {
        Relay storage r = _mutableRelay(node);
        uint64 unbondingEnds = uint64(block.timestamp) + _unbondingDelay;
        r.unbondingEnds = unbondingEnds;
        emit UnstakeRequested(node, msg.sender, r.stake, unbondingEnds);
    }

    /// @inheritdoc IRelayRegistry
    function cancelUnstake(address node) external {
        Relay storage r = _operatedRelay(node);
        if (r.unbondingEnds == 0) revert RelayRegistryNotUnbonding(node);
        r.unbondingEnds = 0;
        emit UnstakeCancelled(node, msg.sender, r.stake);
    }

    /// @inheritdoc IRelayRegistry
    function withdraw(address node) external nonReentrant {
        Relay storage r = _operatedRelay(node);
        uint64 unbondingEnds = r.unbondingEnds;
        if (unbondingEnds == 0) revert RelayRegistryNotUnbonding(node);
        if (block.timestamp < unbondingEnds) revert RelayRegistryUnbondingNotOver(node, unbondingEnds);

        uint128 amount = r.stake;
        _removeRelay(node);

        emit StakeWithdrawn(node, msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IRelayRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRelayRegistry
    function minimumStake() external view returns (uint128) {
        return _minimumStake;
    }

    /// @inheritdoc IRelayRegistry
    function unbondingDelay() external view returns (uint64) {
        return _unbondingDelay;
    }

    /// @inheritdoc IRelayRegistry
    function nonces(address node) public view override(IRelayRegistry, Nonces) returns (uint256) {
        return super.nonces(node);
    }

    /// @inheritdoc IRelayRegistry
    function relayCount() external view returns (uint256) {
        return _records.length;
    }

    /// @inheritdoc IRelayRegistry
    function getRelay(address node) external view returns (RelayInfo memory info) {
        Relay storage r = _relays[node];
        if (r.operator == address(0)) revert RelayRegistryUnknownRelay(node);
        info = abi.decode(_readData(_records[_positions[node] - 1]), (RelayInfo));
        info.stake = r.stake;
        info.active = _isActive(r);
        info.unbondingEnds = r.unbondingEnds;
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Writes the ABI encoding of `RelayInfo[]` directly: for each relay, the pre-encoded tuple of its record
     * (tuple encodings are position independent) followed by its stake, active flag and unbonding end.
     */
    function getRelays(uint256 offset, uint256 limit) external view returns (RelayInfo[] memory) {
        uint256 count = _records.length;
        uint256 n = offset >= count ? 0 : (count - offset > limit ? limit : count - offset);
        uint256 minimum = _minimumStake;
        bytes32 recordsSlot;
        bytes32 relaysSlot;
        assembly ("memory-safe") {
            mstore(0x00, _records.slot)
            recordsSlot := add(keccak256(0x00, 0x20), offset)
            relaysSlot := _relays.slot
        }
        assembly {
            let out := mload(0x40)
            mstore(out, 0x20)
            mstore(add(out, 0x20), n)
            let heads := add(out, 0x40)
            let tail := add(heads, shl(5, n))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let record := sload(add(recordsSlot, i))
                mstore(add(heads, shl(5, i)), sub(tail, heads))
                let size := sub(extcodesize(record), _RECORD_TUPLE_OFFSET)
                extcodecopy(record, tail, _RECORD_TUPLE_OFFSET, size)
                // _relays[node] slot 0: stake (128 bits) | unbondingEnds (64 bits) | onionKeyPrefix (8 bits)
                mstore(0x00, mload(tail))
                mstore(0x20, relaysSlot)
                let packed := sload(keccak256(0x00, 0x40))
                let stake := and(packed, 0xffffffffffffffffffffffffffffffff)
                let unbondingEnds := and(shr(128, packed), 0xffffffffffffffff)
                mstore(add(tail, _STAKE_WORD), stake)
                mstore(add(tail, _ACTIVE_WORD), and(iszero(unbondingEnds), iszero(lt(stake, minimum))))
                mstore(add(tail, _UNBONDING_WORD), unbondingEnds)
                tail := add(tail, size)
            }
            return(out, sub(tail, out))
        }
    }

    /// @inheritdoc IRelayRegistry
    function isActive(address node) external view returns (bool) {
        Relay storage r = _relays[node];
        return r.operator != address(0) && _isActive(r);
    }

    /// @inheritdoc IRelayRegistry
    function nodeOfOnionKey(bytes calldata onionKey) external view returns (address) {
        if (onionKey.length != 33) return address(0);
        address node = _onionKeyNodes[bytes32(onionKey[1:])];
        if (node == address(0) || _relays[node].onionKeyPrefix != uint8(onionKey[0])) return address(0);
        return node;
    }

    /// @inheritdoc IRelayRegistry
    function hashRelayBinding(address operator, RelayParams calldata relay, uint256 nonce, uint64 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashRelayBinding(operator, relay, nonce, deadline);
    }

    /**
     * @dev Checks the record's format and the node's signature of it for `msg.sender`, and uses the nonce.
     */
    function _verifyBinding(RelayParams calldata relay, uint64 deadline, bytes calldata nodeSignature) private {
        _validateRecord(relay);
        if (block.timestamp > deadline) revert RelayRegistryExpiredSignature(deadline);
        bytes32 digest = _hashRelayBinding(msg.sender, relay, _useNonce(relay.node), deadline);
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, nodeSignature);
        if (err != ECDSA.RecoverError.NoError || signer != relay.node) {
            revert RelayRegistryInvalidSignature(relay.node, signer);
        }
    }

    function _validateRecord(RelayParams calldata relay) private view {
        if (!_isOnionKey(relay.onionKey)) revert RelayRegistryInvalidOnionKey(relay.onionKey);
        uint256 peerIdLength = relay.peerId.length;
        if (peerIdLength == 0 || peerIdLength > MAX_PEER_ID_LENGTH) {
            revert RelayRegistryInvalidPeerId(peerIdLength, MAX_PEER_ID_LENGTH);
        }
        uint256 count = relay.multiaddrs.length;
        if (count == 0 || count > MAX_MULTIADDRS) revert RelayRegistryInvalidMultiaddrCount(count, MAX_MULTIADDRS);
        for (uint256 i = 0; i < count; ++i) {
            uint256 length = bytes(relay.multiaddrs[i]).length;
            if (length == 0 || length > MAX_MULTIADDR_LENGTH) {
                revert RelayRegistryInvalidMultiaddr(i, length, MAX_MULTIADDR_LENGTH);
            }
        }
    }

    function _hashRelayBinding(address operator, RelayParams calldata relay, uint256 nonce, uint64 deadline)
        private
        view
        returns (bytes32)
    {
        string[] calldata multiaddrs = relay.multiaddrs;
        bytes32[] memory hashes = new bytes32[](multiaddrs.length);
        for (uint256 i = 0; i < multiaddrs.length; ++i) {
            hashes[i] = keccak256(bytes(multiaddrs[i]));
        }
        bytes32 structHash = keccak256(
            abi.encode(
                RELAY_BINDING_TYPEHASH,
                operator,
                relay.node,
                keccak256(relay.onionKey),
                keccak256(relay.peerId),
                keccak256(abi.encodePacked(hashes)),
                relay.fee,
                nonce,
                deadline
            )
        );
        return _hashTypedDataV4(structHash);
    }

    /**
     * @dev True if `key` is a compressed secp256k1 point: prefix 0x02 or 0x03 and an x coordinate below the
     * field prime for which `x³ + 7` is a square (Euler's criterion through the modexp precompile).
     */
    function _isOnionKey(bytes calldata key) private view returns (bool) {
        if (key.length != 33 || (key[0] != 0x02 && key[0] != 0x03)) return false;
        uint256 x = uint256(bytes32(key[1:]));
        if (x >= _P) return false;
        uint256 rhs = addmod(mulmod(mulmod(x, x, _P), x, _P), 7, _P);
        (bool ok, bytes memory result) = address(0x05).staticcall(abi.encode(32, 32, 32, rhs, _HALF_P, _P));
        return ok && abi.decode(result, (uint256)) == 1;
    }

    /// @dev Binds the onion key's x coordinate to the node; reverts if another relay holds it.
    function _claimOnionKey(RelayParams calldata relay) private {
        bytes32 x = bytes32(relay.onionKey[1:]);
        address holder = _onionKeyNodes[x];
        if (holder != address(0) && holder != relay.node) revert RelayRegistryOnionKeyTaken(relay.onionKey, holder);
        _onionKeyNodes[x] = relay.node;
    }

    /// @dev Replaces the record of `relay.node` (and its onion key index) with `relay`.
    function _replaceRecord(Relay storage r, RelayParams calldata relay) private {
        uint256 index = _positions[relay.node] - 1;
        bytes32 oldX = _onionKeyX(_records[index]);
        _claimOnionKey(relay);
        if (bytes32(relay.onionKey[1:]) != oldX) delete _onionKeyNodes[oldX];
        r.onionKeyPrefix = uint8(relay.onionKey[0]);
        _records[index] = _writeRecord(relay);
    }

    /// @dev Stores the record of `relay` operated by the caller (see {Relay}) and returns its data contract.
    function _writeRecord(RelayParams calldata relay) private returns (address) {
        RelayInfo memory info = RelayInfo({
            node: relay.node,
            operator: msg.sender,
            onionKey: relay.onionKey,
            peerId: relay.peerId,
            multiaddrs: relay.multiaddrs,
            fee: relay.fee,
            stake: 0,
            active: false,
            unbondingEnds: 0
        });
        return _writeData(abi.encode(info));
    }

    /// @dev Deploys a contract whose code is `0x00 ‖ data` (a leading STOP so that it cannot be called).
    function _writeData(bytes memory data) private returns (address pointer) {
        bytes memory initCode = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df300", data);
        assembly ("memory-safe") {
            pointer := create(0, add(initCode, 0x20), mload(initCode))
        }
        if (pointer == address(0)) revert Errors.FailedDeployment();
    }

    /// @dev The data stored by {_writeData} at `pointer`.
    function _readData(address pointer) private view returns (bytes memory data) {
        assembly ("memory-safe") {
            let size := sub(extcodesize(pointer), 1)
            data := mload(0x40)
            mstore(data, size)
            extcodecopy(pointer, add(data, 0x20), 1, size)
            mstore(0x40, add(add(data, 0x20), and(add(size, 31), not(31))))
        }
    }

    /// @dev The x coordinate of the onion key in the record at `record`.
    function _onionKeyX(address record) private view returns (bytes32 x) {
        bytes memory onionKey = abi.decode(_readData(record), (RelayInfo)).onionKey;
        assembly ("memory-safe") {
            x := mload(add(onionKey, 0x21))
        }
    }

    function _emitRegistered(RelayParams calldata relay, uint128 amount) private {
        emit RelayRegistered(relay.node, msg.sender, relay.onionKey, relay.peerId, relay.multiaddrs, relay.fee, amount);
    }

    function _addStake(address node, uint128 amount) private {
        if (amount == 0) revert RelayRegistryZeroAmount();
        Relay storage r = _mutableRelay(node);
        uint128 stake = r.stake + amount;
        r.stake = stake;
        emit StakeAdded(node, msg.sender, amount, stake);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev The relay of `node`, operated by the caller.
    function _operatedRelay(address node) private view returns (Relay storage r) {
        r = _relays[node];
        address operator = r.operator;
        if (operator == address(0)) revert RelayRegistryUnknownRelay(node);
        if (operator != msg.sender) revert RelayRegistryUnauthorizedOperator(node, operator, msg.sender);
    }

    /// @dev The relay of `node`, operated by the caller and not unbonding.
    function _mutableRelay(address node) private view returns (Relay storage r) {
        r = _operatedRelay(node);
        if (r.unbondingEnds != 0) revert RelayRegistryUnbonding(node, r.unbondingEnds);
    }

    /// @dev Deletes the relay of `node`: its slots, its onion key index and its directory entry.
    function _removeRelay(address node) private {
        uint256 index = _positions[node] - 1;
        uint256 last = _records.length - 1;
        delete _onionKeyNodes[_onionKeyX(_records[index])];
        if (index != last) {
            address moved = _records[last];
            _records[index] = moved;
            _positions[_recordNode(moved)] = index + 1;
        }
        _records.pop();
        delete _positions[node];
        delete _relays[node];
    }

    /// @dev The node of the record at `record`: the first word of its tuple.
    function _recordNode(address record) private view returns (address node) {
        assembly ("memory-safe") {
            extcodecopy(record, 0x00, _RECORD_TUPLE_OFFSET, 0x20)
            node := mload(0x00)
        }
    }

    function _isActive(Relay storage r) private view returns (bool) {
        return r.unbondingEnds == 0 && r.stake >= _minimumStake;
    }
}
